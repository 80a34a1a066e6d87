-- What leaves the country. Every answer that may go abroad (today: the partner aggregates) is
-- recorded here in the same request: who asked, when, which categories, how many cells were
-- published and how many were suppressed. Append-only. The actor is kept by id without a
-- foreign key: the record outlives the account.
CREATE TABLE egress_log (
    id               uuid PRIMARY KEY,
    at               timestamptz NOT NULL DEFAULT now(),
    actor_user_id    uuid NOT NULL,
    actor_role       text NOT NULL,
    endpoint         text NOT NULL CHECK (length(endpoint) <= 200),
    categories       text[] NOT NULL CHECK (cardinality(categories) BETWEEN 1 AND 20),
    -- Cells of the answer: published (with a count) and suppressed (count withheld).
    published_cells  integer NOT NULL CHECK (published_cells >= 0),
    suppressed_cells integer NOT NULL CHECK (suppressed_cells >= 0),
    -- Counts below this were withheld.
    threshold        integer NOT NULL CHECK (threshold >= 1)
);
CREATE TRIGGER egress_log_no_update_delete BEFORE UPDATE OR DELETE ON egress_log
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER egress_log_no_truncate BEFORE TRUNCATE ON egress_log
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
