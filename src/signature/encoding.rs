//! The text encodings both signatures share: Alibaba Cloud's percent encoding, strict decoding
//! of a query or form body, hex, base64, and the `YYYY-MM-DDThh:mm:ssZ` time stamps.
//!
//! Decoding is strict because the server re-encodes what it decoded: a lenient decoder (one that
//! passes a bad `%zz` through) would sign a text the client never meant, and two different wire
//! forms could then share one signature.

use std::time::{Duration, SystemTime};

use super::SignatureError;

/// Most parameters a request may carry (query and form body together): bounds the work of
/// sorting and encoding them.
pub(super) const MAX_PARAMETERS: usize = 256;

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

/// Appends `text` percent-encoded as Alibaba Cloud does (RFC 3986 unreserved characters stay,
/// every other byte of the UTF-8 is `%XX` in upper case): a space is `%20`, `*` is `%2A`, `~`
/// stays.
pub(super) fn percent_encode_into(text: &str, out: &mut String) {
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX_UPPER[usize::from(b >> 4)]));
            out.push(char::from(HEX_UPPER[usize::from(b & 0xf)]));
        }
    }
}

/// `text` percent-encoded as Alibaba Cloud does (see [`percent_encode_into`]).
pub(super) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    percent_encode_into(text, &mut out);
    out
}

/// `name=value` pairs, each part percent-encoded, joined by `&`, in the order given: the query
/// string or form body a signer sends.
pub(super) fn encode_pairs<N: AsRef<str>, V: AsRef<str>>(pairs: &[(N, V)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        percent_encode_into(name.as_ref(), &mut out);
        out.push('=');
        percent_encode_into(value.as_ref(), &mut out);
    }
    out
}

/// The canonical form both signatures sign: each name and value percent-encoded, the pairs
/// sorted by name then value, joined as `name=value&...`.
pub(super) fn canonical_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut encoded: Vec<(String, String)> = pairs
        .map(|(n, v)| (percent_encode(n), percent_encode(v)))
        .collect();
    encoded.sort_unstable();
    let mut out = String::new();
    for (i, (name, value)) in encoded.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// A path encoded as Alibaba Cloud's canonical URI: like [`percent_encode`], but `/` stays.
pub(super) fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        percent_encode_into(segment, &mut out);
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes one percent-encoded component; `+` is a space, as in `application/x-www-form-urlencoded`
/// (the SDKs encode the query with Python's `urlencode`, which writes a space as `+`). `what`
/// names the part for the error.
pub(crate) fn decode_component(raw: &str, what: &str) -> Result<String, SignatureError> {
    decode(raw, what, true)
}

/// Decodes a percent-encoded path, where `+` is itself.
pub(super) fn decode_path(raw: &str) -> Result<String, SignatureError> {
    decode(raw, "the path", false)
}

fn decode(raw: &str, what: &str, plus_is_space: bool) -> Result<String, SignatureError> {
    if !raw
        .bytes()
        .any(|b| b == b'%' || (plus_is_space && b == b'+'))
    {
        return Ok(raw.to_owned());
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let high = bytes.get(i + 1).copied().and_then(hex_value);
                let low = bytes.get(i + 2).copied().and_then(hex_value);
                let (Some(high), Some(low)) = (high, low) else {
                    let found: String = raw.get(i..).unwrap_or("").chars().take(3).collect();
                    return Err(SignatureError::InvalidParameter(format!(
                        "{what} has `{found}` where a `%` escape of two hex digits was expected; \
                         encode a literal `%` as `%25`"
                    )));
                };
                out.push(high << 4 | low);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| {
        SignatureError::InvalidParameter(format!(
            "{what} decodes to bytes that are not UTF-8; encode the text as UTF-8 before escaping"
        ))
    })
}

/// Decodes a query string or form body (`a=1&b=2`) into `out`, in order. An empty segment
/// (`a=1&&b=2`) is skipped; a name without `=` has the empty value. Refuses more than
/// [`MAX_PARAMETERS`] in `out` in all.
pub(super) fn parse_pairs(
    raw: &str,
    what: &str,
    out: &mut Vec<(String, String)>,
) -> Result<(), SignatureError> {
    for segment in raw.split('&') {
        if segment.is_empty() {
            continue;
        }
        if out.len() >= MAX_PARAMETERS {
            return Err(SignatureError::Incomplete(format!(
                "the request has more than {MAX_PARAMETERS} parameters; send at most \
                 {MAX_PARAMETERS}"
            )));
        }
        let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
        let name = decode_component(name, what)?;
        let value = decode_component(value, what)?;
        out.push((name, value));
    }
    Ok(())
}

/// Lower-case hex of `bytes`.
pub(super) fn hex_lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(HEX_LOWER[usize::from(b >> 4)]));
        out.push(char::from(HEX_LOWER[usize::from(b & 0xf)]));
    }
    out
}

/// Standard base64 with padding (RFC 4648 §4), as the SDKs write the RPC signature and the
/// gateway adapter its `EncodedDiagnosticMessage`.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b0 = chunk.first().copied().unwrap_or(0);
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let n = u32::from(b0) << 16 | u32::from(b1) << 8 | u32::from(b2);
        let sextet = |shift: u32| char::from(ALPHABET[((n >> shift) & 63) as usize]);
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (`civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both are small and positive by construction.
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// `time` as `YYYY-MM-DDThh:mm:ssZ` (UTC, whole seconds), the SDKs' `x-acs-date` and
/// `Timestamp`. A time before 1970 is written as 1970-01-01T00:00:00Z.
pub(super) fn format_timestamp(time: SystemTime) -> String {
    let secs = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let secs = i64::try_from(secs).unwrap_or(i64::MAX / 2);
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Parses `YYYY-MM-DDThh:mm:ssZ` exactly (UTC, no fraction, no offset), from 1970 on. `what`
/// names the header or parameter for the error.
pub(super) fn parse_timestamp(text: &str, what: &str) -> Result<SystemTime, SignatureError> {
    let bad = || {
        SignatureError::Incomplete(format!(
            "{what} is `{}`, expected a UTC time such as `2026-01-02T03:04:05Z`",
            text.chars().take(40).collect::<String>()
        ))
    };
    let b = text.as_bytes();
    if b.len() != 20
        || b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || b.get(10) != Some(&b'T')
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
        || b.get(19) != Some(&b'Z')
    {
        return Err(bad());
    }
    let number = |range: std::ops::Range<usize>| -> Result<u32, SignatureError> {
        let digits = text.get(range).ok_or_else(bad)?;
        if !digits.bytes().all(|d| d.is_ascii_digit()) {
            return Err(bad());
        }
        digits.parse::<u32>().map_err(|_| bad())
    };
    let year = i64::from(number(0..4)?);
    let month = number(5..7)?;
    let day = number(8..10)?;
    let hour = number(11..13)?;
    let minute = number(14..16)?;
    let second = number(17..19)?;
    if year < 1970
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return Err(bad());
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    let secs = u64::try_from(secs).map_err(|_| bad())?;
    Ok(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(
            percent_encode("a b*c~d/e=f&g+h"),
            "a%20b%2Ac~d%2Fe%3Df%26g%2Bh"
        );
        assert_eq!(percent_encode("é"), "%C3%A9");
        assert_eq!(encode_path("/a b/c"), "/a%20b/c");
    }

    #[test]
    fn every_byte_round_trips_through_encode_and_decode() {
        for c in (0u32..0x250).filter_map(char::from_u32) {
            let text = format!("x{c}y");
            let encoded = percent_encode(&text);
            assert_eq!(decode_component(&encoded, "t").ok(), Some(text));
        }
    }

    #[test]
    fn decoding_is_strict() {
        assert_eq!(
            decode_component("a+b%20c", "t").ok().as_deref(),
            Some("a b c")
        );
        assert_eq!(decode_path("/a+b%20c").ok().as_deref(), Some("/a+b c"));
        for bad in ["%zz", "%2", "%", "a%g1", "%C3"] {
            let e = decode_component(bad, "the query").unwrap_err();
            assert_eq!(e.code(), "InvalidParameter", "{bad}");
        }
    }

    #[test]
    fn pairs_are_bounded() {
        let raw = vec!["a=1"; MAX_PARAMETERS + 1].join("&");
        let mut out = Vec::new();
        assert_eq!(
            parse_pairs(&raw, "q", &mut out).unwrap_err().code(),
            "IncompleteSignature"
        );
        let mut out = Vec::new();
        parse_pairs("a=1&&b&c=", "q", &mut out).unwrap();
        assert_eq!(
            out,
            [
                ("a".into(), "1".into()),
                ("b".into(), String::new()),
                ("c".into(), String::new())
            ]
        );
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn timestamps_round_trip_over_many_days() {
        // Every 7,001 s over ~60 years walks through every month, leap days and times of day.
        let mut secs = 0u64;
        while secs < 1_900_000_000 {
            let t = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
            let text = format_timestamp(t);
            assert_eq!(parse_timestamp(&text, "t").ok(), Some(t), "{text}");
            secs += 7_001;
        }
        assert_eq!(
            format_timestamp(SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
    }

    #[test]
    fn timestamps_are_strict() {
        for bad in [
            "2026-02-30T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01 00:00:00Z",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00.000Z",
            "1969-12-31T23:59:59Z",
            "2026-1-01T00:00:00Z",
            "+026-01-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
        ] {
            assert!(parse_timestamp(bad, "t").is_err(), "{bad}");
        }
        assert!(parse_timestamp("2024-02-29T23:59:59Z", "t").is_ok());
    }
}
