// node-forge's ASN.1 module on its own (see src/pki/der.ts); @types/node-forge types only the whole package.
declare module 'node-forge/lib/asn1.js' {
  import type forge from 'node-forge';
  const asn1: typeof forge.asn1;
  export default asn1;
}
