-- Vetting shows officers every other seller holding an application's GSTIN, IEC or Udyam
-- number, and refuses an approval while an approved seller holds the same GSTIN: both look the
-- identifiers up, so index them (partial: most drafts have none yet).
CREATE INDEX sellers_gstin ON sellers (gstin) WHERE gstin IS NOT NULL;
CREATE INDEX sellers_iec ON sellers (iec) WHERE iec IS NOT NULL;
CREATE INDEX sellers_udyam_number ON sellers (udyam_number) WHERE udyam_number IS NOT NULL;
