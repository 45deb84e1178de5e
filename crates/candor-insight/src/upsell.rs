//! Does a support reply push a sale? A short phrase list per language
//! (English, German, French, Spanish) of offers, upgrades and calls to buy,
//! matched on word boundaries in the normalised text. The trust equation
//! counts such replies toward self-orientation.
//!
//! Limits: it knows the phrasings listed and nothing else, and it cannot
//! tell a sale pushed from one the customer asked about ("is there a bigger
//! plan?"); a company whose agents answer such questions will see it count.
//! Offering a cheaper plan or a discount the customer qualifies for is not
//! in the list: that is in the customer's interest.

use crate::text::{Normalized, is_word_char};

/// The phrases, lower-case, apostrophes as `'`.
const PHRASES: &[&str] = &[
    // English
    "upgrade to premium",
    "upgrade to pro",
    "upgrade to our",
    "upgrade your plan",
    "upgrade your subscription",
    "upgrade your membership",
    "special offer",
    "limited time offer",
    "limited-time offer",
    "exclusive offer",
    "you might also like",
    "you may also like",
    "you might also be interested in",
    "you may also be interested in",
    "take advantage of our",
    "don't miss out",
    "do not miss out",
    "buy now",
    "shop now",
    "check out our new",
    "bundle and save",
    // German
    "sonderangebot",
    "exklusives angebot",
    "nur für kurze zeit",
    "jetzt kaufen",
    "jetzt bestellen",
    "das könnte ihnen auch gefallen",
    "das könnte dir auch gefallen",
    "upgrade auf premium",
    // French
    "offre spéciale",
    "offre exclusive",
    "offre limitée",
    "achetez maintenant",
    "vous aimerez aussi",
    "profitez de notre offre",
    "passez à l'offre premium",
    // Spanish
    "oferta especial",
    "oferta exclusiva",
    "por tiempo limitado",
    "compra ahora",
    "también te puede interesar",
    "aprovecha nuestra oferta",
];

/// The sales phrases in `text`, in the order of the list (each once).
pub fn sales_phrases(text: &str) -> Vec<&'static str> {
    let n = Normalized::new(text);
    let t = n.text.as_str();
    PHRASES
        .iter()
        .copied()
        .filter(|p| {
            t.match_indices(p).any(|(start, m)| {
                let end = start + m.len();
                let before = t[..start].chars().next_back().is_none_or(|c| !is_word_char(c));
                let after = t[end..].chars().next().is_none_or(|c| !is_word_char(c));
                before && after
            })
        })
        .collect()
}

/// Whether a reply pushes a sale.
pub fn pushes_a_sale(text: &str) -> bool {
    !sales_phrases(text).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_and_calls_to_buy_are_found() {
        assert!(pushes_a_sale(
            "Sorry about the chain. Have you seen our SPECIAL  offer on e-bikes?"
        ));
        assert_eq!(
            sales_phrases("Upgrade to Premium today — don’t miss out!"),
            vec!["upgrade to premium", "don't miss out"]
        );
        assert!(pushes_a_sale("Jetzt kaufen und sparen."));
        assert!(pushes_a_sale("Profitez de notre offre de printemps."));
    }

    #[test]
    fn plain_help_is_not_a_sale() {
        for text in [
            "Please upgrade to the latest firmware and restart the bike.",
            "The spare part ships today; no charge.",
            "A specialoffer code is not something we use.",
            "",
        ] {
            assert!(!pushes_a_sale(text), "{text}");
        }
    }
}
