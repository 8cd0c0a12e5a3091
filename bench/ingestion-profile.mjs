/** @type {import("./run.mjs").Bench} */
export default { name: "ingestion-profile", title: "placeholder", defaultEnabled: false, async run() { throw new Error("todo"); } };
