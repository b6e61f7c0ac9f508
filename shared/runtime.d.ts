// The one global shared/ uses besides ECMAScript's own: structuredClone is in every runtime the
// project supports (Node 17+, every current browser) but in neither ES lib, and shared/ is
// type-checked with no DOM and no Node types (tsconfig.shared.json).
declare function structuredClone<T>(value: T): T;
