/** Types for @ewsjs/ntlm-client (it ships none): the three NTLM messages, nothing else is used. */
declare module '@ewsjs/ntlm-client' {
  export interface Type2Message {
    flags: number;
    encoding: 'ascii' | 'ucs2';
    version: 1 | 2;
    challenge: Buffer;
    targetName: string;
  }
  /** `NTLM <base64>` for the first request's Authorization header. */
  export function createType1Message(workstation?: string, target?: string): string;
  /** Decodes the server's challenge from a `WWW-Authenticate: NTLM <base64>` value. */
  export function decodeType2Message(header: string): Type2Message;
  /** `NTLM <base64>` answering the challenge (NTLMv2 when the server offers it). */
  export function createType3Message(
    type2: Type2Message,
    username: string,
    password: string,
    workstation?: string,
    target?: string,
  ): string;
}
