#!/usr/bin/env node
'use strict';

// s3rver, with the one guarantee of real S3 that Sigill's blob store relies on and s3rver lacks: a PUT is atomic.
// s3rver writes an object's bytes straight to the object's file as they arrive, so a client killed halfway through a
// PUT (the kill -9 fault tests do exactly that) leaves a truncated object behind, listed and readable, which real S3
// never does: it stores an object only once its whole body has arrived. Here the body goes to a temporary file
// beside the object, renamed over it only when the request's body ended; a body cut short is removed.
//
// Usage: node s3rver-atomic.js --directory DIR --address ADDR --port PORT

const crypto = require('crypto');
const fs = require('fs-extra');
const S3rver = require('s3rver');
const FilesystemStore = require('s3rver/lib/stores/filesystem');

let sequence = 0;

FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  const partialPath = `${objectPath}.partial-${process.pid}-${++sequence}`; // never ends like an object's file
  await fs.mkdirp(require('path').dirname(objectPath));

  const [size, md5] = await new Promise((resolve, reject) => {
    const md5Context = crypto.createHash('md5');
    const out = fs.createWriteStream(partialPath);
    const fail = err => {
      out.destroy();
      fs.remove(partialPath).finally(() => reject(err));
    };
    if (Buffer.isBuffer(object.content)) {
      md5Context.update(object.content);
      out.on('error', fail).on('finish', () => resolve([object.content.length, md5Context.digest('hex')]));
      out.end(object.content);
      return;
    }
    let length = 0;
    let ended = false;
    object.content.on('data', chunk => {
      md5Context.update(chunk);
      length += chunk.length;
    });
    object.content.on('end', () => { ended = true; });
    object.content.on('aborted', () => fail(new Error('the request body was cut short')));
    object.content.on('error', fail);
    object.content.on('close', () => {
      if (!ended) fail(new Error('the request body was cut short'));
    });
    out.on('error', fail).on('finish', () => {
      if (ended) resolve([length, md5Context.digest('hex')]);
    });
    object.content.pipe(out);
  });
  await fs.rename(partialPath, objectPath);
  await this.putMetadata(object.bucket, object.key, object.metadata, md5);
  return { size, md5 };
};

const argument = name => {
  const at = process.argv.indexOf(name);
  if (at < 0 || at + 1 >= process.argv.length) {
    console.error(`s3rver-atomic: ${name} is required`);
    process.exit(2);
  }
  return process.argv[at + 1];
};

const directory = argument('--directory');
fs.ensureDirSync(directory);
new S3rver({ directory, address: argument('--address'), port: Number(argument('--port')), silent: true })
  .run()
  .then(({ address, port }) => console.log('s3rver (atomic PUT) listening on %s:%d', address, port))
  .catch(err => {
    console.error(err);
    process.exit(1);
  });
