import { generatePageViews, toLakeRows } from "../../../../bench/lake-encode.mjs";
const N = Number(process.argv[2] ?? 200_000);
const rows: (string|number|null)[][] = JSON.parse(JSON.stringify(toLakeRows(generatePageViews(N))));
const n = rows.length;
const enc = new TextEncoder();
const STR = [0,1,3,4,5,6,7,8,9,10,11,12,15,16,17,18,19,20];
const bufs = STR.map(() => new Uint8Array(60 * n));
const scratch: string[] = [];
function colAtATime(chunk: number) { let tot = 0; for (let ci = 0; ci < STR.length; ci++) { const COL = STR[ci]!; const big = bufs[ci]!; let w = 0; for (let s = 0; s < n; s += chunk) { const e = Math.min(n, s + chunk); let j = ""; for (let r = s; r < e; r++) { const v = rows[r]![COL]; if (typeof v === "string") j += v; } w += enc.encodeInto(j, big.subarray(w, w + j.length)).written; } tot += w; } return tot; }
function rowBlock(chunk: number) { const ws = new Array(STR.length).fill(0); for (let s = 0; s < n; s += chunk) { const e = Math.min(n, s + chunk); for (let ci = 0; ci < STR.length; ci++) { const COL = STR[ci]!; let j = ""; for (let r = s; r < e; r++) { const v = rows[r]![COL]; if (typeof v === "string") j += v; } ws[ci] += enc.encodeInto(j, bufs[ci]!.subarray(ws[ci], ws[ci] + j.length)).written; } } return ws.reduce((a, b) => a + b, 0); }
function rowBlockJoin(chunk: number) { const ws = new Array(STR.length).fill(0); for (let s = 0; s < n; s += chunk) { const e = Math.min(n, s + chunk); for (let ci = 0; ci < STR.length; ci++) { const COL = STR[ci]!; scratch.length = e - s; for (let r = s; r < e; r++) { const v = rows[r]![COL]; scratch[r - s] = typeof v === "string" ? v : ""; } const j = scratch.join(""); ws[ci] += enc.encodeInto(j, bufs[ci]!.subarray(ws[ci], ws[ci] + j.length)).written; } } return ws.reduce((a, b) => a + b, 0); }
const variants: [string, () => number][] = [["col 1024", () => colAtATime(1024)], ["rowBlock 256", () => rowBlock(256)], ["rowBlock 1024", () => rowBlock(1024)], ["rowBlock 4096", () => rowBlock(4096)], ["rowBlockJoin 1024", () => rowBlockJoin(1024)]];
for (let round = 0; round < 3; round++) for (const [name, f] of variants) { let best = 1e9; let x = 0; for (let k = 0; k < 5; k++) { const t = performance.now(); x += f(); best = Math.min(best, performance.now() - t); } if (round === 2) console.log(name.padEnd(20), best.toFixed(1), "ms", (best * 1e6 / n).toFixed(0), "ns/row", x); }
