//! Text understanding: language, sentiment, the reply coach and promise detection.
