# cvefeed check: the SARIF validator of the SARIF TC (schema + rules).
need_npm @microsoft/sarif-multitool
