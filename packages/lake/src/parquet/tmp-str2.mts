import { generatePageViews, toLakeRows } from "../../../../bench/lake-encode.mjs";
const rows = JSON.parse(JSON.stringify(toLakeRows(generatePageViews(200_000))));
const n = rows.length;
const enc = new TextEncoder();
const COL = Number(process.argv[2] ?? 1);
const scratch: string[] = [];
function pass() { let units = 0; for (let r = 0; r < n; r++) { const v = rows[r]![COL]; if (typeof v === "string") units += v.length; } return units; }
function allCols() { let units = 0; for (let c = 0; c < 22; c++) for (let r = 0; r < n; r++) { const v = rows[r]![c]; if (typeof v === "string") units += v.length; } return units; }
function allColsRowBlock() { let units = 0; for (let s = 0; s < n; s += 1024) { const e = Math.min(n, s + 1024); for (let c = 0; c < 22; c++) for (let r = s; r < e; r++) { const v = rows[r]![c]; if (typeof v === "string") units += v.length; } } return units; }
function joinOnly() { let w = 0; for (let s = 0; s < n; s += 1024) { const e = Math.min(n, s + 1024); scratch.length = e - s; for (let r = s; r < e; r++) { const v = rows[r]![COL]; scratch[r - s] = typeof v === "string" ? v : ""; } w += scratch.join("").length; } return w; }
const big = new Uint8Array(50_000_000);
function encOnly() { const s = "x".repeat(36 * 1024); let w = 0; for (let k = 0; k < n / 1024; k++) w += enc.encodeInto(s, big.subarray(w, w + s.length)).written; return w; }
const variants: [string, () => number][] = [["pass", pass], ["allCols", allCols], ["allColsRowBlock", allColsRowBlock], ["joinOnly", joinOnly], ["encOnly", encOnly]];
for (let round = 0; round < 3; round++) for (const [name, f] of variants) { const t = performance.now(); let x = 0; for (let k = 0; k < 5; k++) x += f(); console.log(name.padEnd(20), ((performance.now() - t) / 5).toFixed(1), "ms", x); }
