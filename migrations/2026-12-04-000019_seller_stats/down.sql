DROP TABLE seller_daily_stats;
