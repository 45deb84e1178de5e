//! What the generated people write: customers' messages, agents' replies and
//! notes in four languages, with the language and sentiment Candor's own
//! text analysis gives each (computed once per text, as ingest would store it),
//! names, products and the other small vocabularies of the data set.

use candor_app::ingest::preview;
use candor_app::insight::analyze_text;

/// A text with what Candor stores beside it.
#[derive(Clone, Debug)]
pub struct Text {
    /// The text.
    pub body: String,
    /// Its start, as lists show it.
    pub preview: String,
    /// Detected language.
    pub language: Option<&'static str>,
    /// Sentiment, -1 to 1.
    pub sentiment: f64,
}

impl Text {
    fn new(body: &str) -> Self {
        let a = analyze_text(body);
        Self {
            body: body.to_string(),
            preview: preview(body),
            language: a.language,
            sentiment: a.sentiment,
        }
    }
}

/// One kind of request in one language: subject, the customer's messages
/// (the first and follow-ups) and the agents' replies.
#[derive(Clone, Debug)]
pub struct Topic {
    /// The subject.
    pub subject: &'static str,
    /// A tag the conversation carries, if any.
    pub tag: Option<&'static str>,
    /// The customer's first message, then follow-ups.
    pub inbound: Vec<Text>,
    /// Agents' replies.
    pub outbound: Vec<Text>,
}

/// (language, subject, tag, first message, follow-up, reply, second reply)
type Raw = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const RAW: &[Raw] = &[
    (
        "en",
        "Where is my order?",
        Some("shipping"),
        "Hi, I ordered a helmet and a set of lights last week and the tracking has not moved for five days. Could you tell me where my parcel is?",
        "Thanks for checking. The tracking still shows the same depot, could you ask the carrier again please?",
        "Hello, thank you for your patience. I checked with the carrier: your parcel was delayed at the depot and will be delivered tomorrow.",
        "Good news: the carrier confirmed the delivery for this afternoon. Let us know if anything is missing.",
    ),
    (
        "en",
        "Charged twice for one order",
        Some("billing"),
        "This is really annoying. I was charged twice for the same order of tyres and nobody answered my last email. I want my money back.",
        "I still see both payments on my card statement today. When will the second one be refunded?",
        "I am sorry about the double charge. I have refunded the second payment today; it will show on your statement within five working days.",
        "The refund left our account this morning with the reference of your order. Thank you for bearing with us.",
    ),
    (
        "en",
        "Cargo bike brake squeaks",
        Some("repair"),
        "Hello, the disc brake on my cargo bike squeaks loudly since the last service. Can you have a look at it?",
        "Thursday morning works for me. Do I need to bring anything besides the bike?",
        "Thanks for letting us know. Please bring the bike in on Thursday and we will check the brake pads and the disc at no charge.",
        "The brake is fixed: the pads were glazed and we replaced them. Your bike is ready for pick-up.",
    ),
    (
        "en",
        "Question about the city bike",
        None,
        "Good morning, does the city bike come with a rear rack and mudguards, and which frame size would you recommend for someone 1.80 m tall?",
        "Great, thank you. Can I still order it in dark green?",
        "Good morning, yes, the city bike has a rear rack and mudguards. At 1.80 m the frame size L fits most riders.",
        "Dark green is in stock in size L, so we can ship it this week.",
    ),
    (
        "de",
        "Lastenrad: Bremse quietscht",
        Some("repair"),
        "Hallo, die Scheibenbremse an meinem Lastenrad quietscht seit der letzten Inspektion sehr laut. Können Sie sich das bitte ansehen?",
        "Donnerstag passt mir gut. Muss ich außer dem Rad noch etwas mitbringen?",
        "Hallo, danke für die Nachricht. Bringen Sie das Rad gern am Donnerstag vorbei, wir prüfen die Bremse kostenlos.",
        "Die Bremse ist repariert, die Beläge waren verglast und wurden getauscht. Sie können das Rad abholen.",
    ),
    (
        "de",
        "Rechnung doppelt abgebucht",
        Some("billing"),
        "Guten Tag, mir wurde die Bestellung zweimal abgebucht und auf meine letzte E-Mail hat niemand geantwortet. Das ist ärgerlich.",
        "Auf meinem Konto sehe ich heute immer noch beide Buchungen. Wann kommt die Erstattung?",
        "Guten Tag, das tut uns leid. Wir haben die doppelte Zahlung heute erstattet, sie ist in wenigen Werktagen auf Ihrem Konto.",
        "Die Erstattung wurde heute früh überwiesen. Vielen Dank für Ihre Geduld.",
    ),
    (
        "de",
        "Wo bleibt meine Lieferung?",
        Some("shipping"),
        "Hallo, ich habe vor einer Woche einen Helm bestellt und die Sendungsverfolgung zeigt seit Tagen keine Bewegung. Wo ist mein Paket?",
        "Danke, aber die Sendung steht immer noch im selben Depot. Können Sie nochmal nachfragen?",
        "Hallo, danke für Ihre Geduld. Das Paket wurde im Depot aufgehalten und wird morgen zugestellt.",
        "Der Paketdienst hat die Zustellung für heute Nachmittag bestätigt.",
    ),
    (
        "fr",
        "Facture en double",
        Some("billing"),
        "Bonjour, j'ai reçu deux factures pour la même commande de pneus et j'ai été débité deux fois. Pouvez-vous vérifier s'il vous plaît ?",
        "Je vois toujours les deux paiements sur mon relevé. Quand serai-je remboursé ?",
        "Bonjour, vous avez raison, le deuxième paiement est une erreur de notre part. Nous l'avons remboursé aujourd'hui.",
        "Le remboursement est parti ce matin avec la référence de votre commande. Merci de votre patience.",
    ),
    (
        "fr",
        "Où est ma commande ?",
        Some("shipping"),
        "Bonjour, j'ai commandé un casque la semaine dernière et le suivi du colis ne bouge plus depuis cinq jours. Où est mon colis ?",
        "Merci, mais le suivi indique toujours le même dépôt. Pouvez-vous relancer le transporteur ?",
        "Bonjour, merci de votre patience. Le transporteur nous confirme que votre colis sera livré demain.",
        "Le transporteur a confirmé la livraison pour cet après-midi.",
    ),
    (
        "es",
        "Pedido incompleto",
        Some("shipping"),
        "Hola, mi pedido llegó sin las luces. Es la segunda vez que pasa y estoy muy decepcionado con el servicio.",
        "Gracias. ¿Cuándo me enviarán las luces que faltan?",
        "Hola, lamentamos mucho el error. Hoy le enviamos las luces que faltaban sin ningún coste adicional.",
        "Las luces salieron hoy y le llegarán mañana por la mañana.",
    ),
    (
        "es",
        "Cambio de talla",
        None,
        "Hola, ¿puedo cambiar la bicicleta de ciudad por una talla más grande? La talla M me queda pequeña.",
        "Perfecto, ¿tengo que pagar el envío de la devolución?",
        "Hola, claro que sí. Le enviamos una etiqueta de devolución y la talla L sale en cuanto recibamos la bicicleta.",
        "La devolución es gratuita; la etiqueta ya está en su correo.",
    ),
];

/// Internal notes agents leave.
const NOTES: &[&str] = &[
    "Second time this customer reports a missing item: please check the packing list at the warehouse.",
    "Refund approved by finance, waiting for the payment run.",
    "Customer prefers to be called back in the afternoon.",
    "Escalated to the workshop lead, see the repair ticket.",
];

/// Notes about customers (the customer page), for the customer with many events.
pub const CUSTOMER_NOTES: &[&str] = &[
    "Account manager call: they plan to equip the new branch with twelve cargo bikes.",
    "Asked for a quote on the yearly service contract.",
    "Prefers invoices by email to the accounts payable address.",
    "Visited the shop with the fleet manager; interested in the electric models.",
];

/// Every text, analysed once.
pub struct Texts {
    /// Topics in every language.
    pub topics: Vec<Topic>,
    /// Topics by language code.
    pub by_language: Vec<(&'static str, Vec<usize>)>,
    /// Internal notes.
    pub notes: Vec<Text>,
}

impl Texts {
    /// Analyses every text.
    pub fn new() -> Self {
        let started = std::time::Instant::now();
        let mut topics = Vec::new();
        let mut by_language: Vec<(&'static str, Vec<usize>)> = Vec::new();
        for (lang, subject, tag, first, follow, reply, reply2) in RAW {
            let i = topics.len();
            topics.push(Topic {
                subject,
                tag: *tag,
                inbound: vec![Text::new(first), Text::new(follow)],
                outbound: vec![Text::new(reply), Text::new(reply2)],
            });
            match by_language.iter_mut().find(|(l, _)| l == lang) {
                Some((_, list)) => list.push(i),
                None => by_language.push((lang, vec![i])),
            }
        }
        let texts = Self {
            topics,
            by_language,
            notes: NOTES.iter().map(|n| Text::new(n)).collect(),
        };
        if std::env::var_os("CANDOR_BENCH_PROFILE").is_some() {
            let n = RAW.len() * 4 + NOTES.len();
            eprintln!(
                "   (text analysis: {:.2} ms a text, as ingest spends on each message)",
                started.elapsed().as_secs_f64() * 1000.0 / n as f64
            );
        }
        texts
    }

    /// The topics written in `language` (English when none are).
    pub fn topics_in(&self, language: &str) -> &[usize] {
        self.by_language
            .iter()
            .find(|(l, _)| *l == language)
            .or_else(|| self.by_language.first())
            .map(|(_, t)| t.as_slice())
            .unwrap_or(&[])
    }
}

impl Default for Texts {
    fn default() -> Self {
        Self::new()
    }
}

/// Languages customers speak, with how many in a hundred do.
pub const LANGUAGES: &[(&str, u32)] = &[("en", 50), ("de", 30), ("fr", 12), ("es", 8)];

/// First names by language.
pub fn first_names(language: &str) -> &'static [&'static str] {
    match language {
        "de" => &[
            "Anna", "Jonas", "Lena", "Felix", "Marie", "Paul", "Sophie", "Lukas", "Hannah", "Tim",
        ],
        "fr" => &["Camille", "Louis", "Chloé", "Hugo", "Léa", "Jules", "Manon", "Arthur"],
        "es" => &[
            "Lucía", "Hugo", "Martina", "Pablo", "Sofía", "Daniel", "Valeria", "Álvaro",
        ],
        _ => &[
            "Jane", "Tom", "Emma", "Oliver", "Ava", "Jack", "Mia", "Noah", "Grace", "Leo", "Ruby", "Sam",
        ],
    }
}

/// Last names by language.
pub fn last_names(language: &str) -> &'static [&'static str] {
    match language {
        "de" => &[
            "Müller",
            "Schmidt",
            "Schneider",
            "Fischer",
            "Weber",
            "Meyer",
            "Wagner",
            "Becker",
            "Hoffmann",
        ],
        "fr" => &[
            "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
        ],
        "es" => &[
            "García",
            "Fernández",
            "González",
            "Rodríguez",
            "López",
            "Martínez",
            "Sánchez",
            "Pérez",
        ],
        _ => &[
            "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "Walker",
        ],
    }
}

/// Email domains.
pub const DOMAINS: &[&str] = &[
    "example.com",
    "mail.example",
    "post.example",
    "web.example",
    "inbox.example",
];

/// Products: code, name, price in cents.
pub const PRODUCTS: &[(&str, &str, i64)] = &[
    ("bike-city", "City bike", 64_900),
    ("bike-cargo", "Cargo bike", 349_900),
    ("bike-e", "Electric bike", 249_900),
    ("helmet", "Helmet", 7_990),
    ("lights", "Light set", 3_490),
    ("lock", "Folding lock", 4_990),
    ("tyre", "Tyre", 2_990),
    ("tube", "Inner tube", 690),
    ("service", "Yearly service", 8_900),
    ("repair", "Repair", 4_500),
    ("bag", "Pannier bag", 5_990),
    ("gloves", "Gloves", 2_490),
    ("pump", "Floor pump", 3_990),
    ("chain", "Chain", 2_290),
];

/// A product by a weighted draw: accessories and parts often, bikes seldom.
pub fn product(u: f64) -> &'static (&'static str, &'static str, i64) {
    // cumulative per-thousand chances, in the order of PRODUCTS
    const CUT: [u32; 14] = [30, 40, 55, 135, 235, 305, 445, 545, 625, 705, 775, 855, 915, 1000];
    let x = (u * 1000.0) as u32;
    let i = CUT.iter().position(|&c| x < c).unwrap_or(CUT.len() - 1);
    &PRODUCTS[i]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_read_in_their_language() {
        let t = Texts::new();
        for (lang, topics) in &t.by_language {
            for &i in topics {
                assert_eq!(t.topics[i].inbound[0].language, Some(*lang), "{}", t.topics[i].subject);
            }
        }
        assert!(!t.topics_in("it").is_empty());
    }

    #[test]
    fn every_product_can_be_drawn() {
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..1000 {
            seen.insert(product(f64::from(i) / 1000.0).0);
        }
        assert_eq!(seen.len(), PRODUCTS.len());
    }
}
