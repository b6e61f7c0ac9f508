// apache-crypt 1.2.6 ships no types: crypt(3) DES of a password under a two-character salt.
declare module 'apache-crypt' {
  export default function apacheCrypt(password: string, salt?: string): string;
}
