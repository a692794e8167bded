DROP TABLE return_items;
DROP TABLE returns;
ALTER TABLE orders DROP COLUMN return_count;
