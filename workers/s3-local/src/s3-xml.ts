/**
 * S3's XML: the response documents this endpoint writes, and the two request documents it reads
 * (CompleteMultipartUpload and Delete). Workers have no DOMParser, and both request documents are
 * flat lists of small elements, so they are read with a strict scanner rather than a general parser.
 */
import { S3Error } from "./s3-error.ts";

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
/** The namespace AWS puts on every S3 response document; some clients match on it. */
export const S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

/** An element tree small enough to describe every S3 response document this endpoint writes. */
export type XmlNode = { [name: string]: XmlValue };
export type XmlValue = string | number | boolean | XmlNode | XmlValue[] | undefined;

/** Escapes text for element content (keys can hold `&`, `<` and quotes). */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => {
    switch (char) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      default:
        return "&apos;";
    }
  });
}

function renderValue(name: string, value: XmlValue): string {
  if (value === undefined) return "";
  // An array repeats the element: `Contents: [a, b]` → <Contents>a</Contents><Contents>b</Contents>.
  if (Array.isArray(value)) return value.map((item) => renderValue(name, item)).join("");
  if (typeof value === "object") return `<${name}>${renderChildren(value)}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function renderChildren(node: XmlNode): string {
  return Object.entries(node)
    .map(([name, value]) => renderValue(name, value))
    .join("");
}

/**
 * One S3 XML document: declaration, a root element (with S3's namespace unless `namespace: false`),
 * children in insertion order; `undefined` children are left out.
 * @example s3Xml("InitiateMultipartUploadResult", { Bucket: "b", Key: "k", UploadId: "u" })
 */
export function s3Xml(root: string, children: XmlNode, { namespace = true }: { namespace?: boolean } = {}): string {
  const attributes = namespace ? ` xmlns="${S3_NAMESPACE}"` : "";
  return `${XML_DECLARATION}\n<${root}${attributes}>${renderChildren(children)}</${root}>`;
}

/** S3's error document (no namespace, as AWS writes it). */
export function errorXml(code: string, message: string, details: Readonly<Record<string, string>>, requestId: string): string {
  return s3Xml("Error", { Code: code, Message: message, ...details, RequestId: requestId }, { namespace: false });
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Replaces XML's five named entities and numeric character references. */
export function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith("#x")) return safeCodePoint(Number.parseInt(entity.slice(2), 16), whole);
    if (entity.startsWith("#")) return safeCodePoint(Number.parseInt(entity.slice(1), 10), whole);
    const named = ENTITIES[entity];
    if (named === undefined) throw new S3Error("MalformedXML", `unknown XML entity ${whole}`);
    return named;
  });
}

function safeCodePoint(codePoint: number, whole: string): string {
  if (!Number.isInteger(codePoint) || codePoint < 0 || codePoint > 0x10ffff) throw new S3Error("MalformedXML", `invalid character reference ${whole}`);
  return String.fromCodePoint(codePoint);
}

/** The text of each `<name>...</name>` directly in `xml` (no nesting inside these elements). */
function elements(xml: string, name: string): string[] {
  const pattern = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}\\s*>`, "g");
  return [...xml.matchAll(pattern)].map((match) => match[1] ?? "");
}

function onlyElement(xml: string, name: string, parent: string): string {
  const found = elements(xml, name);
  if (found.length !== 1) throw new S3Error("MalformedXML", `each <${parent}> needs exactly one <${name}>, found ${found.length}`);
  return decodeXmlText((found[0] ?? "").trim());
}

/** Strips the XML declaration and comments, and checks the root element is `root`. */
function body(xml: string, root: string): string {
  const withoutProlog = xml.replace(/^\uFEFF?\s*<\?xml[^?]*\?>/, "").replace(/<!--[\s\S]*?-->/g, "").trim();
  const match = new RegExp(`^<${root}(?:\\s[^>]*)?>([\\s\\S]*)</${root}\\s*>$`).exec(withoutProlog);
  if (!match) throw new S3Error("MalformedXML", `the request body must be one <${root}> document`);
  return match[1] ?? "";
}

/** One part named in a CompleteMultipartUpload request. */
export interface CompletedPart {
  partNumber: number;
  /** The part's ETag without the quotes S3 puts around it. */
  etag: string;
}

/** Strips the quotes around an ETag (clients send them as S3 returned them, quoted). */
export function unquoteEtag(etag: string): string {
  return etag.replace(/^(?:W\/)?"(.*)"$/, "$1");
}

/**
 * The parts of a `<CompleteMultipartUpload>` body, in document order; S3 requires ascending part
 * numbers (InvalidPartOrder otherwise) and at least one part.
 */
export function parseCompleteMultipartUpload(xml: string): CompletedPart[] {
  const parts = elements(body(xml, "CompleteMultipartUpload"), "Part").map((part) => {
    const numberText = onlyElement(part, "PartNumber", "Part");
    const partNumber = Number(numberText);
    if (!/^\d+$/.test(numberText) || partNumber < 1 || partNumber > 10_000) {
      throw new S3Error("InvalidArgument", `PartNumber must be an integer from 1 to 10000, got ${JSON.stringify(numberText.slice(0, 20))}`);
    }
    return { partNumber, etag: unquoteEtag(onlyElement(part, "ETag", "Part")) };
  });
  if (parts.length === 0) throw new S3Error("MalformedXML", "CompleteMultipartUpload names no <Part>");
  parts.forEach((part, index) => {
    const previous = parts[index - 1];
    if (previous && part.partNumber <= previous.partNumber) {
      throw new S3Error("InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.");
    }
  });
  return parts;
}

/** The most keys one DeleteObjects request may name (as S3). */
export const MAX_DELETE_KEYS = 1000;

/** The keys of a `<Delete>` body (DeleteObjects) and whether it asked for quiet mode. */
export function parseDeleteObjects(xml: string): { keys: string[]; quiet: boolean } {
  const content = body(xml, "Delete");
  const keys = elements(content, "Object").map((object) => onlyElement(object, "Key", "Object"));
  if (keys.length === 0) throw new S3Error("MalformedXML", "Delete names no <Object>");
  if (keys.length > MAX_DELETE_KEYS) throw new S3Error("MalformedXML", `Delete names ${keys.length} objects; at most ${MAX_DELETE_KEYS}`);
  const quiet = elements(content, "Quiet").some((text) => text.trim().toLowerCase() === "true");
  return { keys, quiet };
}
