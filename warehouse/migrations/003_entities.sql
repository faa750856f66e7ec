-- 003: what entity extraction needs beyond the contract: evidence columns, imported places.

ALTER TABLE entities ADD COLUMN IF NOT EXISTS region VARCHAR;
ALTER TABLE entities ADD COLUMN IF NOT EXISTS confidence DOUBLE;
ALTER TABLE entities ADD COLUMN IF NOT EXISTS evidence VARCHAR[];
ALTER TABLE entities ADD COLUMN IF NOT EXISTS first_run_id VARCHAR;

-- GeoNames populated places imported with `mali-monitor gazetteer import FILE`.
CREATE TABLE IF NOT EXISTS gazetteer_places (
    geoname_id       BIGINT PRIMARY KEY,
    name             VARCHAR NOT NULL,
    ascii_name       VARCHAR,
    alternate_names  VARCHAR[],
    latitude         DOUBLE NOT NULL,
    longitude        DOUBLE NOT NULL,
    country_code     VARCHAR,
    admin1           VARCHAR,
    region           VARCHAR,
    population       BIGINT,
    feature_code     VARCHAR,
    source           VARCHAR,
    imported_at      TIMESTAMPTZ NOT NULL
);
