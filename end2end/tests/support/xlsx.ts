import zlib from "node:zlib";

/**
 * Reads the first worksheet of an XLSX file into rows of cell texts (numbers as their
 * digits), enough to check a downloaded report's figures. An XLSX file is a ZIP archive of
 * XML parts; the ZIP's central directory says where each part is.
 */
export function readXlsx(buf: Buffer): string[][] {
  const parts = unzip(buf);
  const sheet = parts.get("xl/worksheets/sheet1.xml");
  if (!sheet) throw new Error(`no first worksheet in ${[...parts.keys()].join(", ")}`);
  const shared = sharedStrings(parts.get("xl/sharedStrings.xml"));
  const rows: string[][] = [];
  for (const row of sheet.matchAll(/<row [^>]*r="(\d+)"[^>]*>(.*?)<\/row>/gs)) {
    const cells: string[] = [];
    for (const c of row[2].matchAll(/<c r="([A-Z]+)\d+"([^>]*?)(?:\/>|>(.*?)<\/c>)/gs)) {
      const col = columnIndex(c[1]);
      const attrs = c[2];
      const inner = c[3] ?? "";
      let text = "";
      if (attrs.includes('t="inlineStr"')) {
        text = [...inner.matchAll(/<t[^>]*>(.*?)<\/t>/gs)].map((m) => m[1]).join("");
      } else if (attrs.includes('t="s"')) {
        text = shared[Number(/<v>(.*?)<\/v>/s.exec(inner)?.[1] ?? -1)] ?? "";
      } else {
        text = /<v>(.*?)<\/v>/s.exec(inner)?.[1] ?? "";
      }
      cells[col] = unescape(text);
    }
    rows[Number(row[1]) - 1] = Array.from(cells, (c) => c ?? "");
  }
  return Array.from(rows, (r) => r ?? []);
}

function columnIndex(letters: string): number {
  return [...letters].reduce((n, ch) => n * 26 + (ch.charCodeAt(0) - 64), 0) - 1;
}

function unescape(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}

function sharedStrings(xml?: string): string[] {
  if (!xml) return [];
  return [...xml.matchAll(/<si>(.*?)<\/si>/gs)].map((si) => [...si[1].matchAll(/<t[^>]*>(.*?)<\/t>/gs)].map((m) => m[1]).join(""));
}

/** The archive's parts by name, as text. */
function unzip(buf: Buffer): Map<string, string> {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error("not a ZIP archive (no end of central directory)");
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, string>();
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error("broken central directory");
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString("utf8", at + 46, at + 46 + nameLen);
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(dataAt, dataAt + size);
    out.set(name, (method === 8 ? zlib.inflateRawSync(data) : data).toString("utf8"));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
