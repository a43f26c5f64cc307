// Parse DUIS documents with the published DCC Boxed client library @smartdcc/duis-parser,
// as a supplier's DCC Boxed tooling would. Arguments: files to parse. Prints one JSON line
// per file: {"file", "ok", "type", "responseCode", "error"}. Exits 1 if any failed.
const fs = require('fs')
const { parseDuis } = require('@smartdcc/duis-parser')

let failed = 0
for (const file of process.argv.slice(2)) {
  const xml = fs.readFileSync(file, 'utf-8')
  try {
    const parsed = parseDuis('simplified', xml)
    const header = parsed.header || {}
    console.log(JSON.stringify({
      file, ok: true, type: header.type, responseCode: header.responseCode || null,
      body: Object.keys(parsed.body || {}),
    }))
  } catch (error) {
    failed += 1
    console.log(JSON.stringify({ file, ok: false, error: String(error && error.message || error) }))
  }
}
process.exit(failed ? 1 : 0)
