DROP TABLE egress_log;
