// Refuse an old Node before anything native loads: better-sqlite3's prebuilt binary crashes on Node 20.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `iommu-lab needs Node.js >= 22.12 (found ${process.versions.node}). Install Node 22 LTS and retry.\n`,
  );
  process.exit(1);
}
