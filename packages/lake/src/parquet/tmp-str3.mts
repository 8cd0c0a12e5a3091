import { generatePageViews, toLakeRows } from "../../../../bench/lake-encode.mjs";
const rows: (string|number|null)[][] = JSON.parse(JSON.stringify(toLakeRows(generatePageViews(200_000))));
const n = rows.length;
const enc = new TextEncoder();
const COL = Number(process.argv[2] ?? 1);
const scratch: string[] = [];
const big = new Uint8Array(50_000_000);
function join(chunk: number) { let w = 0; for (let s = 0; s < n; s += chunk) { const e = Math.min(n, s + chunk); scratch.length = e - s; for (let r = s; r < e; r++) { const v = rows[r]![COL]; scratch[r - s] = typeof v === "string" ? v : ""; } const j = scratch.join(""); w += enc.encodeInto(j, big.subarray(w, w + j.length)).written; } return w; }
function manual() { let w = 0; let or = 0; for (let r = 0; r < n; r++) { const v = rows[r]![COL]; if (typeof v === "string") { const L = v.length; for (let i = 0; i < L; i++) { const c = v.charCodeAt(i); or |= c; big[w++] = c; } } } return or > 127 ? -w : w; }
function ropes(chunk: number) { let w = 0; for (let s = 0; s < n; s += chunk) { const e = Math.min(n, s + chunk); let j = ""; for (let r = s; r < e; r++) { const v = rows[r]![COL]; if (typeof v === "string") j += v; } w += enc.encodeInto(j, big.subarray(w, w + j.length)).written; } return w; }
const variants: [string, () => number][] = [["join 1024", () => join(1024)], ["join 128", () => join(128)], ["manual", manual], ["ropes 1024", () => ropes(1024)], ["ropes 128", () => ropes(128)]];
for (let round = 0; round < 4; round++) for (const [name, f] of variants) { let best = 1e9; let x = 0; for (let k = 0; k < 5; k++) { const t = performance.now(); x += f(); best = Math.min(best, performance.now() - t); } if (round === 3) console.log(name.padEnd(20), best.toFixed(1), "ms", x); }
