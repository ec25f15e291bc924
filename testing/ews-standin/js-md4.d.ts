/** Types for js-md4 (it ships none): only the ArrayBuffer digest is used. */
declare module 'js-md4' {
  const md4: { arrayBuffer(message: string | ArrayBuffer | Uint8Array): ArrayBuffer };
  export default md4;
}
