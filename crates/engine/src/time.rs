//! Virtual time as people write it: `150ms`, `1.5s`, `10ms..15ms`, and probabilities as `0.1`.
//! One parser and one printer, shared by links, the command line, scripts and the views.

use crate::node::{Time, MS, SECOND};

/// `1500` -> `1.5ms`, `2_000_000` -> `2s`.
pub fn fmt_time(t: Time) -> String {
    if t == 0 {
        "0".into()
    } else if t % SECOND == 0 {
        format!("{}s", t / SECOND)
    } else if t % MS == 0 {
        format!("{}ms", t / MS)
    } else if t >= MS {
        let frac = format!("{:03}", t % MS);
        format!("{}.{}ms", t / MS, frac.trim_end_matches('0'))
    } else {
        format!("{t}us")
    }
}

/// Parses `150ms`, `2s`, `1.5s`, `300us`, `1m`, `1h`.
pub fn parse_time(s: &str) -> Result<Time, String> {
    let s = s.trim();
    // Zero needs no unit, and `fmt_time` writes it bare: `at 0 deliver #1` reads back.
    if s == "0" {
        return Ok(0);
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("'{s}' needs a unit (us, ms, s, m, h)"))?;
    let (num, unit) = s.split_at(split);
    let scale: u64 = match unit {
        "us" => 1,
        "ms" => MS,
        "s" => SECOND,
        "m" | "min" => 60 * SECOND,
        "h" => 3600 * SECOND,
        _ => return Err(format!("'{s}': unknown unit '{unit}' (us, ms, s, m, h)")),
    };
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if int.is_empty() && frac.is_empty() {
        return Err(format!("'{s}' has no number"));
    }
    let int: u64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| format!("'{s}' is not a time"))?
    };
    let mut value = int
        .checked_mul(scale)
        .ok_or_else(|| format!("'{s}' is too large"))?;
    let mut place = scale;
    for d in frac.chars() {
        place /= 10;
        let d = d
            .to_digit(10)
            .ok_or_else(|| format!("'{s}' is not a time"))?;
        value += u64::from(d) * place;
    }
    Ok(value)
}

/// Parses `10ms..15ms` (or a single value, meaning a fixed time).
pub fn parse_time_range(s: &str) -> Result<(Time, Time), String> {
    match s.split_once("..") {
        Some((a, b)) => Ok((parse_time(a)?, parse_time(b)?)),
        None => {
            let t = parse_time(s)?;
            Ok((t, t))
        }
    }
}

/// Parses a probability `0.1` into parts per million.
pub fn parse_probability(s: &str) -> Result<u32, String> {
    let p: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a probability"))?;
    if !(0.0..=1.0).contains(&p) {
        return Err(format!("'{s}' must be between 0 and 1"));
    }
    Ok((p * 1_000_000.0).round() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_and_print() {
        assert_eq!(parse_time("150ms"), Ok(150_000));
        assert_eq!(parse_time("1.5s"), Ok(1_500_000));
        assert_eq!(parse_time("30s"), Ok(30_000_000));
        assert_eq!(parse_time("1h"), Ok(3_600_000_000));
        assert_eq!(parse_time("250us"), Ok(250));
        assert!(parse_time("12").is_err());
        assert!(parse_time("ms").is_err());
        assert!(parse_time("1x").is_err());
        assert!(parse_time("99999999999999999999s").is_err());
        assert_eq!(parse_time_range("10ms..15ms"), Ok((10_000, 15_000)));
        assert_eq!(fmt_time(1_500), "1.5ms");
        assert_eq!(fmt_time(2_000_000), "2s");
        assert_eq!(fmt_time(150_000), "150ms");
        assert_eq!(parse_time(&fmt_time(0)), Ok(0), "zero reads back, bare");
        assert_eq!(parse_probability("0.1"), Ok(100_000));
        assert!(parse_probability("1.5").is_err());
    }
}
