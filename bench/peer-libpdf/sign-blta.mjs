// The peer of `sigill bench pdf`'s B-LTA row: @libpdf/core 0.4.2 signs the same file with the same ECDSA key at
// PAdES B-LTA (level "B-LTA", its timestampAuthority option) against the same loopback TSA, with the same CRL.
// Usage: node sign-blta.mjs WORKDIR TSA_URL ITERATIONS   (WORKDIR holds in.pdf, cert.pem, root.pem, key.pem, crl.der)
// Prints "median_ms N" (after 3 warm-up runs) and writes the last output to WORKDIR/out.pdf.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { webcrypto } from "node:crypto";
import { PDF, CryptoKeySigner, HttpTimestampAuthority } from "@libpdf/core";

const [dir, tsaUrl, iterationsText] = process.argv.slice(2);
const der = (pem) => Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
const input = new Uint8Array(readFileSync(join(dir, "in.pdf")));
const cert = new Uint8Array(der(readFileSync(join(dir, "cert.pem"), "utf8")));
const root = new Uint8Array(der(readFileSync(join(dir, "root.pem"), "utf8")));
const crl = new Uint8Array(readFileSync(join(dir, "crl.der")));
const key = await webcrypto.subtle.importKey("pkcs8", der(readFileSync(join(dir, "key.pem"), "utf8")),
  { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
const signer = new CryptoKeySigner(key, cert, "EC", "ECDSA", [root]);
const timestampAuthority = new HttpTimestampAuthority(tsaUrl);
const revocationProvider = { getCRL: async () => crl, getOCSP: async () => null };

async function once() {
  const pdf = await PDF.load(input);
  const { bytes } = await pdf.sign({ signer, fieldName: "peer", reason: "Benchmark", level: "B-LTA", timestampAuthority, revocationProvider });
  return bytes;
}

const iterations = Number(iterationsText);
let last;
for (let i = 0; i < 3; i++) last = await once();
const samples = [];
for (let i = 0; i < iterations; i++) {
  const start = process.hrtime.bigint();
  last = await once();
  samples.push(Number(process.hrtime.bigint() - start) / 1e6);
}
samples.sort((a, b) => a - b);
writeFileSync(join(dir, "out.pdf"), last);
console.log(`median_ms ${samples[Math.floor(iterations / 2)].toFixed(3)}`);
