-- Every routed handover has a due time from now on (the store sets one); rows written before
-- that rule get theirs here, so the claim query never passes one over.
UPDATE handovers SET next_attempt_at = updated_at WHERE state = 'routed' AND next_attempt_at IS NULL;
