-- The public figures per commitment group a period's clock rows by channel
-- and priority. This index starts like conversation_clocks_started (which it
-- replaces) and holds every column those queries read, so a period is one
-- range scan of the index. The channel and priority columns exist since
-- 0021 (a priority change now re-targets them), so nothing is backfilled.
DROP INDEX conversation_clocks_started;
CREATE INDEX conversation_clocks_figures ON conversation_clocks
    (workspace_id, started_at, channel, priority, first_reply_within, first_reply_secs, resolution_within);
