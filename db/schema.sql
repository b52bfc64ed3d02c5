-- The evidence store. Long format: one row of `records` per reported number.
-- Every table here is created by db.store.create_schema(); nothing else issues DDL.

CREATE TABLE IF NOT EXISTS sources (
    name          TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    citation      TEXT NOT NULL,
    doi_or_url    TEXT,
    license       TEXT,
    version       TEXT,
    kind          TEXT NOT NULL,          -- bundled | external | user
    path          TEXT,
    available     BOOLEAN NOT NULL,       -- false when an external source is absent
    note          TEXT,
    rows_in       INTEGER NOT NULL DEFAULT 0,
    loaded        INTEGER NOT NULL DEFAULT 0,
    quarantined   INTEGER NOT NULL DEFAULT 0,
    loaded_at     TIMESTAMP
);

CREATE TABLE IF NOT EXISTS records (
    record_id           BIGINT PRIMARY KEY,  -- from id_counters (db.write.insert_rows)
    record_key          TEXT NOT NULL UNIQUE, -- stable across rebuilds: source/row/property/method[/sub]
    source              TEXT NOT NULL,
    source_row          TEXT NOT NULL,    -- the row's own key in its source (ID, line number)
    material_raw        TEXT NOT NULL,    -- the material exactly as the source wrote it
    composition_key     TEXT,             -- canonical key (db.composition), NULL if not a formula
    family_raw          TEXT,             -- the source's own family label, untouched
    family              TEXT,             -- harmonized family (normalizer)
    carrier_ion         TEXT,             -- mobile ion (normalizer)
    property            TEXT NOT NULL,    -- sigma | Ea | Em
    value_raw           TEXT NOT NULL,    -- the number as reported
    unit_raw            TEXT,             -- the unit as reported
    value               DOUBLE NOT NULL,  -- canonical units: S/cm for sigma, eV for Ea/Em
    unit                TEXT NOT NULL,
    log10_value         DOUBLE,           -- log10(S/cm) for sigma
    qualifier           TEXT NOT NULL DEFAULT '=',   -- = < > ~ range
    censored            TEXT,             -- '<' or '>' when the value is a bound
    value_low           DOUBLE,           -- range bounds, canonical units
    value_high          DOUBLE,
    temperature_k       DOUBLE,
    temperature_raw     TEXT,
    temperature_implied BOOLEAN NOT NULL DEFAULT FALSE,
    method_tag          TEXT NOT NULL,
    method_raw          TEXT,             -- the method as the source describes it
    method_details      TEXT,             -- functional, temperature range, potential, ...
    sub_method          TEXT,             -- e.g. arrhenius-fit, mace-relax
    path_id             TEXT,             -- migration hop / path id for Em
    doi                 TEXT,
    reference           TEXT,
    notes               TEXT,
    evidence            TEXT,             -- the sentence that states the number, where kept
    measurement_id      TEXT NOT NULL,    -- shared by the copies of one measurement across sources
    is_primary          BOOLEAN NOT NULL DEFAULT TRUE,  -- the one copy that cohorts count
    derived_from        TEXT              -- JSON list of record_ids for derived records
);

-- Per-entry attributes that are not reported numbers: lattice, space group, split, links.
CREATE TABLE IF NOT EXISTS entries (
    source          TEXT NOT NULL,
    source_row      TEXT NOT NULL,
    material_raw    TEXT,
    composition_key TEXT,
    cell_composition TEXT,                -- formula of the whole cell (OBELiX `True Composition`)
    space_group     TEXT,
    sg_number       INTEGER,
    a DOUBLE, b DOUBLE, c DOUBLE, alpha DOUBLE, beta DOUBLE, gamma DOUBLE,
    z               DOUBLE,
    split           TEXT,                 -- OBELiX official split: train | test
    icsd_id         TEXT,
    liion_id        TEXT,                 -- OBELiX cross-link to the Liverpool dataset
    laskowski_id    TEXT,                 -- OBELiX / Laskowski SI reference number
    PRIMARY KEY (source, source_row)
);

CREATE TABLE IF NOT EXISTS structures (
    obelix_id          TEXT PRIMARY KEY,
    cif_path           TEXT NOT NULL,
    composition_key    TEXT,
    space_group        TEXT,
    sg_number          INTEGER,
    crystal_system     TEXT,
    n_sites            INTEGER,
    volume             DOUBLE,
    volume_per_atom    DOUBLE,
    density            DOUBLE,
    li_partial         BOOLEAN,
    other_partial      BOOLEAN,
    min_li_li          DOUBLE,
    min_li_anion       DOUBLE
);

-- Cross-source links: row A of one source re-publishes row B of another.
CREATE TABLE IF NOT EXISTS links (
    source_a   TEXT NOT NULL,
    row_a      TEXT NOT NULL,
    source_b   TEXT NOT NULL,
    row_b      TEXT NOT NULL,
    link_type  TEXT NOT NULL,      -- liion_id | laskowski_id | liverpool_id | same_value | same_doi_value
    matched    BOOLEAN NOT NULL,   -- false: the link is stated but the rows disagree
    note       TEXT
);

CREATE TABLE IF NOT EXISTS quarantine (
    quarantine_id BIGINT PRIMARY KEY,  -- from id_counters
    source        TEXT NOT NULL,
    source_row    TEXT NOT NULL,
    raw           TEXT NOT NULL,   -- the raw row as JSON
    reason        TEXT NOT NULL,
    quarantined_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Ids and write claims, one row per counter: the same SQL runs on a DuckDB file and on a
-- DuckLake (team) store, which has no sequences, RETURNING or ON CONFLICT (db.engine).
CREATE TABLE IF NOT EXISTS id_counters (
    name    TEXT PRIMARY KEY,  -- record_id_seq | quarantine_id_seq | decision_id_seq | claim:<table>
    next_id BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS build_info (
    key   TEXT PRIMARY KEY,
    value TEXT
);

-- Normalization: every decision (rules, LLM, manual), the reviewers' overrides, the LLM cache.
CREATE TABLE IF NOT EXISTS normalization_decisions (
    decision_id    BIGINT PRIMARY KEY,  -- from id_counters
    kind           TEXT NOT NULL,        -- entity | method | family
    input          TEXT NOT NULL,
    output         TEXT,                 -- JSON of the result
    backend        TEXT NOT NULL,        -- rules | llm:<model> | manual
    status         TEXT NOT NULL,        -- accepted | rejected | unresolved | override
    confidence     DOUBLE,
    reason         TEXT,
    prompt_version TEXT,
    created_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Survives rebuilds (db.build carries it over): a person's word wins over rules and the LLM.
CREATE TABLE IF NOT EXISTS normalization_overrides (
    kind       TEXT NOT NULL,
    input      TEXT NOT NULL,
    output     TEXT NOT NULL,            -- JSON of the result
    reviewer   TEXT,
    note       TEXT,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (kind, input)
);

-- Survives rebuilds: an accepted LLM answer is asked for once.
CREATE TABLE IF NOT EXISTS llm_cache (
    kind           TEXT NOT NULL,
    input          TEXT NOT NULL,
    model          TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    output         TEXT NOT NULL,        -- JSON of the verified result
    created_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (kind, input, model, prompt_version)
);

-- Conductivity models and their predictions, computed once per model version.
CREATE TABLE IF NOT EXISTS models (
    version       TEXT PRIMARY KEY,
    kind          TEXT,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    train_hash    TEXT,
    metrics       TEXT,                  -- JSON
    artifact_path TEXT
);

CREATE TABLE IF NOT EXISTS predictions (
    model_version    TEXT NOT NULL,
    record_id        BIGINT NOT NULL,
    composition_key  TEXT,
    pred_log10_sigma DOUBLE,
    lo80             DOUBLE,
    hi80             DOUBLE,
    PRIMARY KEY (model_version, record_id)
);

-- The light-descriptor Ea models (auditor.ea_model) and their predictions of Ea records.
CREATE TABLE IF NOT EXISTS ea_models (
    version       TEXT PRIMARY KEY,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    metrics       TEXT,                  -- JSON
    artifact_path TEXT
);

CREATE TABLE IF NOT EXISTS ea_predictions (
    model_version    TEXT NOT NULL,
    record_id        BIGINT NOT NULL,
    composition_key  TEXT,
    pred_ea_ev       DOUBLE,
    lo80             DOUBLE,
    hi80             DOUBLE,
    held_out         BOOLEAN,            -- from folds without this composition
    PRIMARY KEY (model_version, record_id)
);

-- Rows users ingested (db ingest / the Upload page), kept raw so a rebuild replays them.
CREATE TABLE IF NOT EXISTS uploads (
    source      TEXT NOT NULL,
    row_index   INTEGER NOT NULL,
    raw         TEXT NOT NULL,           -- the row as JSON, in the ingest template's columns
    uploaded_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (source, row_index)
);

-- Arrhenius fits of one source's conductivity series (auditor.arrhenius): one row per derived
-- Ea record (records.sub_method = 'arrhenius-fit'), with what the fit alone knows.
CREATE TABLE IF NOT EXISTS arrhenius_fits (
    record_id        BIGINT PRIMARY KEY,  -- the derived Ea record
    record_key       TEXT NOT NULL,
    source           TEXT NOT NULL,
    doi              TEXT,
    composition_key  TEXT NOT NULL,
    n_points         INTEGER NOT NULL,
    n_temperatures   INTEGER NOT NULL,
    t_min_k          DOUBLE NOT NULL,
    t_max_k          DOUBLE NOT NULL,
    ea_ev            DOUBLE NOT NULL,
    ea_se_ev         DOUBLE,             -- NULL with exactly two distinct points' worth of dof
    r2               DOUBLE,
    ln_prefactor     DOUBLE NOT NULL,    -- ln(A) of sigma*T = A exp(-Ea/kT), A in S K/cm
    log10_sigma_298  DOUBLE NOT NULL,    -- the fit extrapolated (or interpolated) to 298 K
    input_record_ids TEXT NOT NULL       -- JSON list, same as records.derived_from
);

-- Outlier flags a person reviews. Keyed by record_key (stable across rebuilds) and rule, and
-- carried over by db.build, so a rebuild neither duplicates flags nor resets reviews.
CREATE TABLE IF NOT EXISTS flags (
    record_key  TEXT NOT NULL,
    rule        TEXT NOT NULL,           -- modified-z | vs-experiment | model-residual
    cohort      TEXT,                    -- family/property/method the rule compared within
    score       DOUBLE,
    reason      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open',   -- open | confirmed | dismissed
    note        TEXT,
    reviewer    TEXT,
    reviewed_at TIMESTAMP,
    flagged_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    active      BOOLEAN NOT NULL DEFAULT TRUE,  -- false when the latest flagging no longer raises it
    PRIMARY KEY (record_key, rule)
);

-- Candidate rows extracted from a paper (auditor.extract) and what a reviewer decided, kept
-- whether accepted or rejected. An accepted row became the record `record_key` of `source`;
-- its quote is also the record's `evidence`.
-- Carried over a rebuild (db.carryover); accepted rows are replayed from `template_row`.
CREATE TABLE IF NOT EXISTS extractions (
    source           TEXT NOT NULL,      -- the named source the commit created
    item             INTEGER NOT NULL,   -- 1..n within the commit; accepted rows first
    file             TEXT,               -- the document as uploaded or pasted
    doi              TEXT,
    material         TEXT,               -- as written (or as the reviewer edited it)
    formula          TEXT,               -- normalized composition, NULL when unresolved
    property         TEXT NOT NULL,      -- sigma | Ea | Em
    value_text       TEXT NOT NULL,      -- the number exactly as printed
    value            DOUBLE,             -- in the printed unit
    unit             TEXT NOT NULL,
    temperature_text TEXT,
    method           TEXT,
    quote            TEXT NOT NULL,      -- the verbatim sentence that states the number
    engine           TEXT NOT NULL,      -- rules | llm
    model            TEXT,               -- the LLM model, for engine llm
    prompt_version   TEXT,
    status           TEXT NOT NULL,      -- accepted | rejected (core.vocab.EXTRACTION_STATUSES)
    reason           TEXT,               -- why rejected, or why an accepted row was quarantined
    reviewer         TEXT NOT NULL,
    reviewed_at      TIMESTAMP NOT NULL,
    record_key       TEXT,               -- the record an accepted row became
    template_row     TEXT,               -- JSON: the ingest-template row it was loaded from
    PRIMARY KEY (source, item)
);

-- Cohort set work materialized per records version (db.cohort_sql.materialize, run by the
-- pipeline after every write that changes records), so a page reads answers, not a million rows.
-- `build_info.cohort_tables` holds the records version and window they were computed for;
-- readers fall back to computing from `records` when it is not current.
CREATE TABLE IF NOT EXISTS cohort_summaries (
    family      TEXT NOT NULL,
    property    TEXT NOT NULL,
    method      TEXT NOT NULL,
    variant     TEXT NOT NULL,           -- '' when none
    n_records   BIGINT NOT NULL,
    n_materials BIGINT NOT NULL,
    n_censored  BIGINT NOT NULL,
    median      DOUBLE
);

CREATE TABLE IF NOT EXISTS cohort_pairs (
    family             TEXT NOT NULL,
    property           TEXT NOT NULL,
    method             TEXT NOT NULL,
    variant            TEXT NOT NULL,
    method_label       TEXT NOT NULL,
    composition_key    TEXT NOT NULL,
    value              DOUBLE NOT NULL,   -- the material's computed median in the cohort
    n                  BIGINT NOT NULL,
    exp_value          DOUBLE NOT NULL,   -- its experimental median (reference property)
    exp_n              BIGINT NOT NULL,
    reference_property TEXT NOT NULL,
    diff               DOUBLE NOT NULL
);

CREATE TABLE IF NOT EXISTS hop_values (
    source          TEXT NOT NULL,
    path_id         TEXT NOT NULL,
    property        TEXT NOT NULL,
    method          TEXT NOT NULL,
    variant         TEXT NOT NULL,
    method_label    TEXT NOT NULL,
    value           DOUBLE NOT NULL,      -- median of the method's records on the hop
    family          TEXT NOT NULL,
    composition_key TEXT NOT NULL
);

-- Same-hop pairs against the default reference method (db.cohort_sql.materialize); `seq` keeps
-- the order of the computation (hop, then method and variant).
CREATE TABLE IF NOT EXISTS hop_pairs (
    seq             BIGINT NOT NULL,
    family          TEXT NOT NULL,
    property        TEXT NOT NULL,
    source          TEXT NOT NULL,
    path_id         TEXT NOT NULL,
    composition_key TEXT NOT NULL,
    method          TEXT NOT NULL,
    variant         TEXT NOT NULL,
    method_label    TEXT NOT NULL,
    reference       TEXT NOT NULL,
    reference_value DOUBLE NOT NULL,
    value           DOUBLE NOT NULL,
    diff            DOUBLE NOT NULL,
    material        BIGINT NOT NULL,      -- integer codes for per-group statistics:
    grp             BIGINT NOT NULL,      -- composition_key; (property, method, variant);
    family_code     BIGINT NOT NULL       -- family (each in sort order)
);

-- The explorer's search index (db.search.refresh_search_index, run by the pipeline after every
-- write that changes records; `build_info.search_index` holds the records version it describes,
-- and a search falls back to scanning `records` when it is not current). Plain tables kept
-- sorted, so a lookup is a range or semi-join that zone maps prune, with or without an index.
-- Every distinct value of the searched columns (composition_key, material_raw, doi, family_raw).
CREATE TABLE IF NOT EXISTS search_terms (
    term_id BIGINT NOT NULL,
    term    TEXT NOT NULL
);

-- Each term's lowercased text from every position on, cut to 8 characters, sorted by gram: a
-- search text's first 8 characters (lowercased) are a prefix of one gram of every term that
-- contains it.
CREATE TABLE IF NOT EXISTS search_grams (
    gram    TEXT NOT NULL,
    term_id BIGINT NOT NULL
);

-- Which records hold each term, sorted by term: `rank` is the record's place in the explorer's
-- order; `is_key` marks the term as the record's composition_key.
CREATE TABLE IF NOT EXISTS search_postings (
    term_id   BIGINT NOT NULL,
    record_id BIGINT NOT NULL,
    rank      BIGINT NOT NULL,
    is_key    BOOLEAN NOT NULL
);

-- `auditor.cohorts.method_agreement` against the default reference over every family (pooled
-- rows `(all)` first), computed from `hop_pairs` by the pipeline after it materializes them;
-- `build_info.hop_agreement` holds the records version and the parameters it was computed with.
CREATE TABLE IF NOT EXISTS hop_agreement (
    seq              BIGINT NOT NULL,
    family           TEXT NOT NULL,
    property         TEXT NOT NULL,
    reference        TEXT NOT NULL,
    method           TEXT NOT NULL,
    variant          TEXT,
    method_label     TEXT NOT NULL,
    unit             TEXT NOT NULL,
    n_hops           BIGINT NOT NULL,
    n_materials      BIGINT NOT NULL,
    reference_median DOUBLE,
    median           DOUBLE,
    bias             DOUBLE,
    bias_ci_low      DOUBLE,
    bias_ci_high     DOUBLE,
    mae              DOUBLE,
    median_abs_error DOUBLE,
    spearman         DOUBLE,
    threshold_ev     DOUBLE NOT NULL,
    frac_off         DOUBLE
);
