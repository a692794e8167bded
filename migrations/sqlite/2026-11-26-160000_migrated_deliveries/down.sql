-- Nothing to undo: the repaired delivery instants are the true ones, and 130000's down reads none of them.
SELECT 1;
