//! Arbitrary-precision Python `int`, kept as exact decimal text.

use std::fmt;
use std::str::FromStr;

use super::Error;

/// An arbitrary-precision integer with Python `int` semantics, stored exactly.
///
/// Values that fit in an `i64` are stored natively; larger ones are kept as
/// their canonical decimal text (no leading zeros, `-` only for negatives).
/// Two `Int`s are equal exactly when they denote the same number.
///
/// ```
/// use signed_cookie::json::Int;
/// let big: Int = "1180591620717411303424".parse()?; // 2**70
/// assert_eq!(big.to_string(), "1180591620717411303424");
/// assert_eq!(big.as_i64(), None);
/// assert_eq!(Int::from(42i64).as_i64(), Some(42));
/// # Ok::<(), signed_cookie::json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Int(Repr);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Repr {
    Small(i64),
    /// Canonical decimal text of a value outside the `i64` range.
    Big(Box<str>),
}

impl Int {
    /// Builds an `Int` from a sign and ASCII decimal digits (which must be
    /// non-empty and all `0-9`; leading zeros are allowed and dropped).
    pub(crate) fn from_sign_digits(negative: bool, digits: &str) -> Int {
        let trimmed = digits.trim_start_matches('0');
        if trimmed.is_empty() {
            return Int(Repr::Small(0));
        }
        // Up to 18 digits always fit an i64: no text to build (the common case, per number
        // of every parsed document).
        if trimmed.len() <= 18 {
            let magnitude = trimmed
                .bytes()
                .fold(0i64, |n, d| n * 10 + i64::from(d.wrapping_sub(b'0') % 10));
            return Int(Repr::Small(if negative { -magnitude } else { magnitude }));
        }
        let mut text = String::with_capacity(trimmed.len() + 1);
        if negative {
            text.push('-');
        }
        text.push_str(trimmed);
        match text.parse::<i64>() {
            Ok(v) => Int(Repr::Small(v)),
            Err(_) => Int(Repr::Big(text.into_boxed_str())),
        }
    }

    /// The value as an `i64`, if it fits.
    ///
    /// ```
    /// use signed_cookie::json::Int;
    /// assert_eq!(Int::from(-7i32).as_i64(), Some(-7));
    /// assert_eq!(Int::from(u64::MAX).as_i64(), None);
    /// ```
    pub fn as_i64(&self) -> Option<i64> {
        match &self.0 {
            Repr::Small(v) => Some(*v),
            Repr::Big(_) => None,
        }
    }

    /// The value as a `u64`, if it fits.
    ///
    /// ```
    /// use signed_cookie::json::Int;
    /// assert_eq!(Int::from(u64::MAX).as_u64(), Some(u64::MAX));
    /// assert_eq!(Int::from(-1i64).as_u64(), None);
    /// ```
    pub fn as_u64(&self) -> Option<u64> {
        match &self.0 {
            Repr::Small(v) => u64::try_from(*v).ok(),
            Repr::Big(s) => s.parse().ok(),
        }
    }

    /// The value as an `i128`, if it fits.
    ///
    /// ```
    /// use signed_cookie::json::Int;
    /// assert_eq!(Int::from(u64::MAX).as_i128(), Some(u64::MAX as i128));
    /// ```
    pub fn as_i128(&self) -> Option<i128> {
        match &self.0 {
            Repr::Small(v) => Some(i128::from(*v)),
            Repr::Big(s) => s.parse().ok(),
        }
    }

    /// The value as a `u128`, if it fits.
    ///
    /// ```
    /// use signed_cookie::json::Int;
    /// assert_eq!(Int::from(5u32).as_u128(), Some(5));
    /// assert_eq!(Int::from(-5i32).as_u128(), None);
    /// ```
    pub fn as_u128(&self) -> Option<u128> {
        match &self.0 {
            Repr::Small(v) => u128::try_from(*v).ok(),
            Repr::Big(s) => s.parse().ok(),
        }
    }

    /// Whether the value is below zero.
    ///
    /// ```
    /// use signed_cookie::json::Int;
    /// assert!(Int::from(-1i64).is_negative());
    /// assert!(!Int::from(0i64).is_negative());
    /// ```
    pub fn is_negative(&self) -> bool {
        match &self.0 {
            Repr::Small(v) => *v < 0,
            Repr::Big(s) => s.starts_with('-'),
        }
    }

    /// The approximate value as an `f64` (like Python's `float(int)` but
    /// giving infinity instead of raising on overflow).
    ///
    /// ```
    /// use signed_cookie::json::Int;
    /// assert_eq!(Int::from(3i64).to_f64(), 3.0);
    /// ```
    pub fn to_f64(&self) -> f64 {
        match &self.0 {
            Repr::Small(v) => *v as f64,
            Repr::Big(s) => s.parse().unwrap_or(f64::NAN),
        }
    }
}

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Small(v) => write!(f, "{v}"),
            Repr::Big(s) => f.write_str(s),
        }
    }
}

impl FromStr for Int {
    type Err = Error;

    /// Parses decimal text: an optional `-` followed by ASCII digits.
    /// Leading zeros are accepted and normalized away (`-0` is `0`).
    fn from_str(s: &str) -> Result<Int, Error> {
        let (negative, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::InvalidInt);
        }
        Ok(Int::from_sign_digits(negative, digits))
    }
}

macro_rules! int_from_small {
    ($($t:ty),*) => {$(
        impl From<$t> for Int {
            fn from(v: $t) -> Int {
                Int(Repr::Small(i64::from(v)))
            }
        }
    )*};
}
int_from_small!(i8, i16, i32, i64, u8, u16, u32);

macro_rules! int_from_wide {
    ($($t:ty),*) => {$(
        impl From<$t> for Int {
            fn from(v: $t) -> Int {
                match i64::try_from(v) {
                    Ok(small) => Int(Repr::Small(small)),
                    Err(_) => Int(Repr::Big(v.to_string().into_boxed_str())),
                }
            }
        }
    )*};
}
int_from_wide!(u64, i128, u128, usize, isize);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        let a: Int = "-000".parse().unwrap();
        assert_eq!(a, Int::from(0i64));
        let b: Int = "0009223372036854775808".parse().unwrap();
        assert_eq!(b, Int::from(9223372036854775808u64));
        assert_eq!(b.to_string(), "9223372036854775808");
        let c: Int = "-9223372036854775808".parse().unwrap();
        assert_eq!(c.as_i64(), Some(i64::MIN));
        assert!("".parse::<Int>().is_err());
        assert!("-".parse::<Int>().is_err());
        assert!("+1".parse::<Int>().is_err());
        assert!("1_0".parse::<Int>().is_err());
        let d = Int::from(u128::MAX);
        assert_eq!(d.as_u128(), Some(u128::MAX));
        assert_eq!(d.as_i128(), None);
        assert_eq!(Int::from(i128::MIN).to_string(), i128::MIN.to_string());
    }
}
