//! Small command-line helpers shared by the examples: durations such as
//! `250ms` or `1.5s`, and numbers, parsed from lexopt values.

use std::ffi::OsString;
use std::str::FromStr;
use std::time::Duration;

/// Parses `250ms`, `2s`, `1.5s`, `3m`, or a bare number of seconds.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 =
        number.parse().map_err(|_| format!("`{text}` is not a duration such as 250ms or 2s"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" | "min" => value * 60.0,
        _ => return Err(format!("unknown unit `{unit}` in `{text}`; use ms, s or m")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|err| format!("bad duration `{text}`: {err}"))
}

/// The value of a flag as a duration.
pub(crate) fn duration(value: Result<OsString, lexopt::Error>) -> Result<Duration, lexopt::Error> {
    let value = value?.into_string().map_err(lexopt::Error::NonUnicodeValue)?;
    parse_duration(&value).map_err(Into::into)
}

/// The value of a flag, parsed: a number, an address, anything `FromStr`.
pub(crate) fn parsed<T>(value: Result<OsString, lexopt::Error>) -> Result<T, lexopt::Error>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let value = value?.into_string().map_err(lexopt::Error::NonUnicodeValue)?;
    value
        .parse()
        .map_err(|err: T::Err| lexopt::Error::ParsingFailed { value, error: Box::new(err) })
}
