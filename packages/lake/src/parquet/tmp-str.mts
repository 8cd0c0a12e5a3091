import { generatePageViews, toLakeRows } from "../../../../bench/lake-encode.mjs";
const rows = JSON.parse(JSON.stringify(toLakeRows(generatePageViews(200_000))));
const n = rows.length;
const enc = new TextEncoder();
const COL = Number(process.argv[2] ?? 1); // event_id
const scratch: string[] = [];
function a() { // texts array + slice join
  const texts = new Array<string>(n); let units = 0;
  for (let r = 0; r < n; r++) { const v = rows[r]![COL] as string | null; texts[r] = v ?? ""; units += texts[r]!.length; }
  const bytes = new Uint8Array(units); let w = 0;
  for (let s = 0; s < n; s += 1024) { const j = texts.slice(s, Math.min(n, s + 1024)).join(""); w += enc.encodeInto(j, bytes.subarray(w)).written; }
  return w;
}
function b(chunk: number) { // two pass, reusable scratch
  let units = 0;
  for (let r = 0; r < n; r++) { const v = rows[r]![COL]; if (typeof v === "string") units += v.length; }
  const bytes = new Uint8Array(units); let w = 0;
  for (let s = 0; s < n; s += chunk) { const e = Math.min(n, s + chunk); scratch.length = e - s; for (let r = s; r < e; r++) { const v = rows[r]![COL]; scratch[r - s] = typeof v === "string" ? v : ""; } const j = scratch.join(""); w += enc.encodeInto(j, bytes.subarray(w, w + j.length)).written; }
  return w;
}
function c(chunk: number) { // ropes
  let units = 0;
  for (let r = 0; r < n; r++) { const v = rows[r]![COL]; if (typeof v === "string") units += v.length; }
  const bytes = new Uint8Array(units); let w = 0;
  for (let s = 0; s < n; s += chunk) { const e = Math.min(n, s + chunk); let j = ""; for (let r = s; r < e; r++) { const v = rows[r]![COL]; if (typeof v === "string") j += v; } w += enc.encodeInto(j, bytes.subarray(w, w + j.length)).written; }
  return w;
}
function d() { // per value
  let units = 0;
  for (let r = 0; r < n; r++) { const v = rows[r]![COL]; if (typeof v === "string") units += v.length; }
  const bytes = new Uint8Array(units * 3); let w = 0;
  for (let r = 0; r < n; r++) { const v = rows[r]![COL]; if (typeof v === "string") w += enc.encodeInto(v, bytes.subarray(w)).written; }
  return w;
}
function e() { // whole join with encode()
  const texts = new Array<string>(n);
  for (let r = 0; r < n; r++) { const v = rows[r]![COL] as string | null; texts[r] = v ?? ""; }
  return enc.encode(texts.join("")).length;
}
const variants: [string, () => number][] = [["a slice-join 1024", a], ["b scratch 1024", () => b(1024)], ["b scratch 8192", () => b(8192)], ["b scratch 256", () => b(256)], ["c rope 1024", () => c(1024)], ["c rope 8192", () => c(8192)], ["d per-value", d], ["e whole encode", e]];
for (let round = 0; round < 3; round++) for (const [name, f] of variants) { const t = performance.now(); let x = 0; for (let k = 0; k < 5; k++) x += f(); console.log(name.padEnd(20), ((performance.now() - t) / 5).toFixed(1), "ms", x); }
