// Builds the web UI into web/build/: the buyer page (index.html + assets/) and the admin
// dashboard (admin/index.html + its assets). esbuild bundles TypeScript and CSS, minified, with
// content-hashed names; the HTML only references same-origin files, so the daemon's CSP
// (default-src 'self', no inline scripts or styles) holds. Run: node scripts/build-web.mjs
import * as esbuild from 'esbuild';
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'web');
const src = path.join(web, 'src');
const pub = path.join(web, 'public');
const out = path.join(web, 'build');

/** Bundles `entries` ({name: file}) into `outdir`; returns {name.ext: emitted file name}. */
async function bundle(entries, outdir) {
  const result = await esbuild.build({
    entryPoints: entries,
    outdir,
    bundle: true,
    minify: true,
    target: 'es2020',
    platform: 'browser',
    format: 'iife',
    entryNames: '[name]-[hash]',
    legalComments: 'none',
    charset: 'utf8',
    metafile: true,
    logLevel: 'warning',
  });
  const names = {};
  for (const [file, meta] of Object.entries(result.metafile.outputs)) {
    if (meta.entryPoint === undefined) continue;
    const name = Object.keys(entries).find(
      (k) => path.resolve(root, meta.entryPoint) === path.resolve(entries[k]),
    );
    names[`${name}${path.extname(file)}`] = path.basename(file);
  }
  return names;
}

/** Fills `{{name.ext}}` placeholders; an unknown one is a build error. */
async function page(template, target, names) {
  const html = (await readFile(template, 'utf8')).replace(/\{\{([\w.-]+)\}\}/g, (_, key) => {
    if (!(key in names)) throw new Error(`${path.relative(root, template)}: unknown asset {{${key}}}`);
    return names[key];
  });
  if (/<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=/i.test(html)) {
    throw new Error(`${path.relative(root, template)}: inline scripts or styles break the CSP`);
  }
  await writeFile(target, html);
}

async function main() {
  await rm(out, { recursive: true, force: true });
  await mkdir(path.join(out, 'assets'), { recursive: true });

  // Static files (favicon…) go as they are; the HTML templates are rendered below.
  for (const entry of await readdir(pub, { withFileTypes: true })) {
    if (entry.isFile() && !entry.name.endsWith('.html'))
      await cp(path.join(pub, entry.name), path.join(out, entry.name));
  }

  const buyer = await bundle(
    { app: path.join(src, 'buyer', 'main.ts'), style: path.join(src, 'styles', 'buyer.css') },
    path.join(out, 'assets'),
  );
  await page(path.join(pub, 'index.html'), path.join(out, 'index.html'), buyer);

  // The admin listener serves web/build/admin/ at / and at /admin/, so its page uses relative URLs.
  const adminOut = path.join(out, 'admin');
  const admin = await bundle(
    { admin: path.join(src, 'admin', 'main.ts'), 'admin-style': path.join(src, 'styles', 'admin.css') },
    adminOut,
  );
  await cp(path.join(pub, 'favicon.svg'), path.join(adminOut, 'favicon.svg'));
  await page(path.join(pub, 'admin.html'), path.join(adminOut, 'index.html'), admin);

  const sizes = await Promise.all(
    [
      ...Object.values(buyer).map((f) => path.join(out, 'assets', f)),
      ...Object.values(admin).map((f) => path.join(adminOut, f)),
    ].map(async (f) => `${path.relative(out, f)} ${((await readFile(f)).length / 1024).toFixed(1)} kB`),
  );
  console.log(`web UI built into ${path.relative(root, out)}/: ${sizes.join(', ')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
