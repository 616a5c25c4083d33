-- One line per table of the public schema: name|row count|md5 of all its rows in a stable
-- order. Equal lines before the backup and after the restore mean equal data.
SELECT format('%s|%s|%s', c.relname,
  (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I', c.relname), false, true, '')))[1]::text,
  (xpath('/row/h/text()', query_to_xml(
    format('SELECT md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), %L)) AS h FROM public.%I t', '', c.relname),
    false, true, '')))[1]::text)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r'
ORDER BY c.relname;
