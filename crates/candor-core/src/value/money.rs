//! Money: an amount in a currency's minor units, parsed from and written as decimals.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A problem reading or combining amounts of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// No amount was given.
    #[error("the amount is empty")]
    Empty,
    /// The text is not a decimal amount.
    #[error("{0:?} is not an amount; write digits with an optional decimal point, such as 19.99")]
    NotANumber(String),
    /// More decimal places than the currency has.
    #[error("{currency} amounts have at most {max} decimal places")]
    TooManyDecimals {
        /// The currency.
        currency: Currency,
        /// Its number of minor-unit digits.
        max: u8,
    },
    /// The amount does not fit.
    #[error("the amount is too large")]
    Overflow,
    /// The currency code is not one we support.
    #[error("{0:?} is not a supported currency code; use an ISO 4217 code such as EUR or USD")]
    UnknownCurrency(String),
    /// Two amounts in different currencies were combined.
    #[error("cannot combine amounts in {0} and {1}")]
    CurrencyMismatch(Currency, Currency),
}

macro_rules! currencies {
    ($($variant:ident $code:literal $digits:literal $doc:literal),* $(,)?) => {
        /// A supported ISO 4217 currency.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum Currency {
            $(
                #[doc = $doc]
                #[serde(rename = $code)]
                $variant,
            )*
        }

        impl Currency {
            /// Every supported currency.
            pub const ALL: &'static [Currency] = &[$(Currency::$variant),*];

            /// The ISO 4217 code, e.g. "EUR".
            pub fn code(self) -> &'static str {
                match self { $(Currency::$variant => $code),* }
            }

            /// How many minor-unit digits the currency has (2 for EUR, 0 for JPY).
            pub fn minor_digits(self) -> u8 {
                match self { $(Currency::$variant => $digits),* }
            }
        }
    };
}

currencies! {
    Eur "EUR" 2 "Euro.",
    Usd "USD" 2 "US dollar.",
    Gbp "GBP" 2 "Pound sterling.",
    Chf "CHF" 2 "Swiss franc.",
    Jpy "JPY" 0 "Japanese yen (no minor unit).",
    Sek "SEK" 2 "Swedish krona.",
    Nok "NOK" 2 "Norwegian krone.",
    Dkk "DKK" 2 "Danish krone.",
    Pln "PLN" 2 "Polish złoty.",
    Czk "CZK" 2 "Czech koruna.",
    Cad "CAD" 2 "Canadian dollar.",
    Aud "AUD" 2 "Australian dollar.",
    Nzd "NZD" 2 "New Zealand dollar.",
    Brl "BRL" 2 "Brazilian real.",
    Mxn "MXN" 2 "Mexican peso.",
    Inr "INR" 2 "Indian rupee.",
    Krw "KRW" 0 "South Korean won (no minor unit).",
    Zar "ZAR" 2 "South African rand.",
}

impl Currency {
    /// How many minor units make one major unit (100 for EUR, 1 for JPY).
    pub fn minor_per_major(self) -> i64 {
        10_i64.pow(u32::from(self.minor_digits()))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;

    /// Reads a code case-insensitively ("eur" is EUR).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let code = s.trim().to_ascii_uppercase();
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.code() == code)
            .ok_or_else(|| MoneyError::UnknownCurrency(excerpt(s)))
    }
}

/// An amount of money: minor units (cents) of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "MoneyJson", into = "MoneyJson")]
pub struct Money {
    /// The amount in minor units (1999 for 19.99 EUR).
    pub minor: i64,
    /// The currency.
    pub currency: Currency,
}

/// The API's shape: `{"amount": "19.99", "currency": "EUR"}`.
#[derive(Serialize, Deserialize)]
struct MoneyJson {
    amount: String,
    currency: String,
}

impl TryFrom<MoneyJson> for Money {
    type Error = MoneyError;

    fn try_from(json: MoneyJson) -> Result<Self, Self::Error> {
        Money::parse(&json.amount, json.currency.parse()?)
    }
}

impl From<Money> for MoneyJson {
    fn from(m: Money) -> Self {
        MoneyJson {
            amount: m.amount(),
            currency: m.currency.code().to_string(),
        }
    }
}

impl Money {
    /// An amount from minor units.
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Nothing, in `currency`.
    pub fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    /// Reads a decimal amount such as "19.99", "-5", "0.5" or "1000" in `currency`.
    ///
    /// No thousands separators, exponents or signs other than a leading minus. Decimal
    /// places beyond the currency's minor unit are accepted only when they are zeros.
    pub fn parse(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let s = text.trim();
        if s.is_empty() {
            return Err(MoneyError::Empty);
        }
        let not_a_number = || MoneyError::NotANumber(excerpt(text));
        let (negative, unsigned) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (unsigned, None),
        };
        let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
            return Err(not_a_number());
        }
        let fraction = fraction.unwrap_or("");
        let max = usize::from(currency.minor_digits());
        let (kept, extra) = fraction.split_at(fraction.len().min(max));
        if extra.bytes().any(|b| b != b'0') {
            return Err(MoneyError::TooManyDecimals {
                currency,
                max: currency.minor_digits(),
            });
        }
        let mut minor: i64 = 0;
        let padded = kept.bytes().chain(std::iter::repeat_n(b'0', max - kept.len()));
        for b in whole.bytes().chain(padded) {
            minor = minor
                .checked_mul(10)
                .and_then(|m| m.checked_add(i64::from(b - b'0')))
                .ok_or(MoneyError::Overflow)?;
        }
        Ok(Self::new(if negative { -minor } else { minor }, currency))
    }

    /// The amount as a decimal string without the currency, e.g. "19.99" or "-0.05".
    pub fn amount(&self) -> String {
        let digits = u32::from(self.currency.minor_digits());
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if digits == 0 {
            return format!("{sign}{abs}");
        }
        let unit = 10_u64.pow(digits);
        let width = digits as usize;
        format!("{sign}{}.{:0width$}", abs / unit, abs % unit)
    }

    /// The sum of two amounts of one currency.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self.minor.checked_add(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Self::new(minor, self.currency))
    }

    /// The difference of two amounts of one currency.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self.minor.checked_sub(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Self::new(minor, self.currency))
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }
}

impl fmt::Display for Money {
    /// "19.99 EUR".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount(), self.currency)
    }
}

fn excerpt(s: &str) -> String {
    const MAX: usize = 40;
    let mut out: String = s.chars().take(MAX).collect();
    if s.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}
