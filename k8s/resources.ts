/**
 * CPU and memory of a container, and the arithmetic of Kubernetes quantities the checks need.
 */

export interface ResourceList {
  cpu: string;
  memory: string;
}

export interface Resources {
  requests: ResourceList;
  limits: ResourceList;
}

/*
 * Kubernetes quantities as the API server parses them: k8s.io/apimachinery pkg/api/resource/quantity.go,
 * `ParseQuantity` and its scanner `parseQuantityString`, with the suffixes of suffix.go (`interpret`):
 *
 *   <quantity>        ::= <signedNumber><suffix>
 *   <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
 *   <sign>            ::= "+" | "-"
 *   <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
 *   <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
 *   <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
 *   <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>   (an int32 exponent: strconv.ParseInt(.., 32))
 *
 * So `1E3`, `1e3`, `1e-3`, `+1`, `.5` and `5.` are quantities; `1K`, `1kb`, `1 Gi` and `1e3.5` are not. The
 * scanner is laxer than its own grammar (a bare `.` or `+` parses as zero); those are refused here as the typos
 * they are.
 */
const DECIMAL_SI: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SI: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const QUANTITY = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([a-zA-Z]*)([+-]?[0-9]*)$/;

/** A parsed quantity: its sign and an approximate value, for range checks and comparisons only. */
export interface ParsedQuantity {
  readonly negative: boolean;
  /** The magnitude, as a double (exact enough to compare and to check ranges). */
  readonly magnitude: number;
  /** Binary suffixes are capped by the API server at 2^63-1, silently; the caller refuses more. */
  readonly binary: boolean;
}

export function parseQuantity(value: string): ParsedQuantity | undefined {
  const match = QUANTITY.exec(value);
  if (!match) return undefined;
  const [, sign, whole, fraction, letters, exponentDigits] = match;
  if (whole === "" && (fraction ?? "") === "") return undefined;
  const digits = `${whole || "0"}.${fraction ?? ""}0`;
  let magnitude: number;
  let binary = false;
  if (exponentDigits !== "") {
    // Only a decimal exponent may carry digits after its letter: `e3`, `E-3`, `e+3`.
    if (letters !== "e" && letters !== "E") return undefined;
    const exponent = Number(exponentDigits);
    if (!/^[+-]?[0-9]+$/.test(exponentDigits) || Math.abs(exponent) > 2 ** 31 - 1) return undefined;
    magnitude = Number(`${digits}e${exponent}`);
  } else if (letters in DECIMAL_SI) {
    magnitude = Number(`${digits}e${DECIMAL_SI[letters]}`);
  } else if (letters in BINARY_SI) {
    magnitude = Number(digits) * 2 ** BINARY_SI[letters];
    binary = true;
  } else {
    return undefined;
  }
  return { negative: sign === "-" && magnitude !== 0, magnitude, binary };
}

export function isQuantity(value: string): boolean {
  return parseQuantity(value) !== undefined;
}

/** The numeric value of a Kubernetes quantity (`500m` -> 0.5, `1Gi` -> 1073741824), for comparisons only. */
export function quantityValue(quantity: string): number {
  const parsed = parseQuantity(quantity);
  if (!parsed) return NaN;
  return parsed.negative ? -parsed.magnitude : parsed.magnitude;
}

/** The largest int64, 2^63-1: where a binary quantity is capped and where `Value()`/`MilliValue()` overflow. */
export const MAX_INT64 = 2 ** 63 - 1;

/**
 * Why the API server (or the kubelet after it) would not take `quantity` for `resource`, or undefined. A
 * container's requests and limits must not be negative (ValidateNonnegativeQuantity in
 * pkg/apis/core/validation); memory is read in bytes and cpu in millicores as int64 (`Value`, `MilliValue`),
 * which overflow past 2^63-1, and a binary-suffixed value past that is silently capped by ParseQuantity.
 */
export function quantityProblem(
  resource: "cpu" | "memory" | "storage",
  quantity: string,
): string | undefined {
  const parsed = parseQuantity(quantity);
  if (!parsed) return "it is not a Kubernetes quantity";
  if (parsed.negative) return "it is negative";
  const max = resource === "cpu" ? MAX_INT64 / 1000 : MAX_INT64;
  if (parsed.magnitude >= max) {
    return resource === "cpu"
      ? "it is more than Kubernetes can count in millicores (2^63-1 m)"
      : "it is more than Kubernetes can count in bytes (2^63-1)";
  }
  return undefined;
}
