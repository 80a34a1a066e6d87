DROP INDEX IF EXISTS sellers_udyam_number;
DROP INDEX IF EXISTS sellers_iec;
DROP INDEX IF EXISTS sellers_gstin;
