-- Search pages (?q=) are cached too: what they match can change with any edit, so an update of any
-- article also announces 'E' (see 0006 for the other tags), on which every cached search depends.
CREATE OR REPLACE FUNCTION articles_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM notify_content_change(ARRAY['L'] || ARRAY(SELECT 'A' || author_id FROM changed_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM notify_content_change(ARRAY['E'] || ARRAY(SELECT 'a' || id FROM changed_rows));
    ELSE
        PERFORM notify_content_change(ARRAY['L']
            || ARRAY(SELECT 'a' || id FROM changed_rows) || ARRAY(SELECT 'c' || id FROM changed_rows)
            || ARRAY(SELECT 'A' || author_id FROM changed_rows));
    END IF;
    RETURN NULL;
END
$$;
