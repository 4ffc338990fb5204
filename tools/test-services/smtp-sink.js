// A loopback SMTP sink for tests: accepts every message and writes it as an .eml file.
// Usage: node smtp-sink.js PORT DIRECTORY
'use strict';
const fs = require('fs');
const path = require('path');
const { SMTPServer } = require('smtp-server');

const [port, directory] = process.argv.slice(2);
fs.mkdirSync(directory, { recursive: true });
let counter = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  onData(stream, session, callback) {
    const file = path.join(directory, `${Date.now()}-${process.pid}-${++counter}.eml`);
    const out = fs.createWriteStream(file + '.tmp');
    stream.pipe(out);
    out.on('finish', () => { fs.renameSync(file + '.tmp', file); callback(); });
    out.on('error', callback);
  },
});
server.listen(Number(port), '127.0.0.1', () => console.log(`smtp sink on 127.0.0.1:${port} -> ${directory}`));
