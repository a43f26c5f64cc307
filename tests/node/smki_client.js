// Drives the published DCC Boxed SMKI client (@smartdcc/dccboxed-keystore) against an
// SMKI certificate service, for tests/smki/test_boxed_client.py. Prints JSON on stdout.
//
//   node smki_client.js ADDRESS device EUI ds|ka      BoxedKeyStore look-up by EUI
//   node smki_client.js ADDRESS serial DECIMAL         BoxedKeyStore look-up by serial
//   node smki_client.js ADDRESS organisation EUI ROLE ds|ka   certificatesearch + retrieve
'use strict'

const { BoxedKeyStore, KeyUsage } = require('@smartdcc/dccboxed-keystore')
const certificateSearch = require('@smartdcc/dccboxed-keystore/dist/certificateSearch')

function describe(found, certificate) {
  return {
    eui: found.eui.toString(),
    serial: found.serial.toString(),
    keyUsage: found.keyUsage,
    role: found.role ?? null,
    der: certificate.raw.toString('base64'),
  }
}

async function withStore(address, action) {
  const store = await BoxedKeyStore.new(address)
  try {
    return await action(store)
  } finally {
    await store.cleanup()
  }
}

async function main() {
  const [address, mode, ...rest] = process.argv.slice(2)
  let out
  if (mode === 'device') {
    const [eui, usage] = rest
    const keyUsage = usage === 'ka' ? KeyUsage.keyAgreement : KeyUsage.digitalSignature
    out = await withStore(address, async (store) => {
      const found = await store.query({ eui, keyUsage, lookup: 'certificate' })
      return (found ?? []).map((f) => describe(f, f.certificate))
    })
  } else if (mode === 'serial') {
    out = await withStore(address, async (store) => {
      const found = await store.query({ serial: BigInt(rest[0]), lookup: 'certificate' })
      return found ? [describe(found, found.certificate)] : []
    })
  } else if (mode === 'organisation') {
    const [eui, role, usage] = rest
    const results = await certificateSearch.search(
      {
        q: { CertificateSubjectName: eui },
        CertificateRole: role,
        CertificateUsage: usage === 'ka' ? 'KA' : 'DS',
        CertificateStatus: 'I',
      },
      address,
    )
    out = results.map((r) => describe(r.meta, r.x509))
  } else {
    throw new Error(`unknown mode ${mode}`)
  }
  process.stdout.write(JSON.stringify(out))
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`)
  process.exit(1)
})
