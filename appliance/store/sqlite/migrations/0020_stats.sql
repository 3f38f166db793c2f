-- Usage figures (package stats, docs/statistics.md): one row per day
-- (the ticket's knock day in site.time_zone), office, service, figure and
-- detail, counted in the transaction of the ticket change that causes it,
-- so a figure exists exactly once however often anything is retried and
-- before the retention purge touches the ticket. detail is '' for counts,
-- the conversation language for 'lang', and the upper bound in ms of a
-- duration bucket for 'wait' and 'handling' (histograms for p50/p90).
-- Nothing here identifies a citizen: no ticket, no name, no time of day.
CREATE TABLE IF NOT EXISTS stats_daily (
  day TEXT NOT NULL,
  office_id TEXT NOT NULL,
  service TEXT NOT NULL DEFAULT '',
  figure TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  n BIGINT NOT NULL,
  PRIMARY KEY (day, office_id, service, figure, detail)
);
