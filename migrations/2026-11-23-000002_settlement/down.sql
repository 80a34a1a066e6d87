DROP TABLE settlement_estimates;
DROP TABLE fee_schedules;
DROP TABLE fx_feed_status;
DROP TABLE fx_rates;
