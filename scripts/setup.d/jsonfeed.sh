# JSON Feed 1.1 validation: the npm JSON Feed schema with ajv, and the
# schema validator.jsonfeed.org checks (draft-04, read by check-jsonschema).
need_npm jsonfeed-schema@0.5.0 ajv-cli@5.0.0 ajv-formats@3.0.1
need_pip check-jsonschema
