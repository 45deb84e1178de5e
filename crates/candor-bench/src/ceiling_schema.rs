//! The ceiling server's table, shared by the server (which creates it if
//! missing) and the data generator (which fills it before the run).

use candor_store::Backend;

/// The table's name.
pub const TABLE: &str = "ceiling_rows";

/// Creates the table if it is missing. Keys count up from 1 on a fresh table,
/// so the generator's rows have the ids 1 to n.
pub fn create_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "CREATE TABLE IF NOT EXISTS ceiling_rows (id INTEGER PRIMARY KEY, created_at BIGINT NOT NULL, \
             name TEXT NOT NULL, body TEXT NOT NULL)"
        }
        Backend::Postgres => {
            "CREATE TABLE IF NOT EXISTS ceiling_rows (id BIGSERIAL PRIMARY KEY, created_at BIGINT NOT NULL, \
             name TEXT NOT NULL, body TEXT NOT NULL)"
        }
    }
}

/// The text of a generated row: with its other fields, a row is about 200
/// bytes of JSON, so 50 rows make about 10 KB.
pub const BODY: &str = "Thanks for writing in. We looked at your account and found the cause; \
                        the fix is live and your next invoice will show the credit.";

/// The columns the server reads, in order.
pub const COLUMNS: &str = "id, created_at, name, body";
