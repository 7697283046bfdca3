/**
 * The words of the assessment form for partner items (ICCAM inbound): the choices a Belgian
 * analyst makes, in the vocabulary of contract §3, with what each means in plain words.
 */
import type { NotIllegalReason } from '../../domain/iccam-words.js';

interface Choice {
  value: string;
  label: string;
}

export const ASSESSMENT_CHOICES: {
  categories: Choice[];
  ageGroups: Choice[];
  genders: Choice[];
  reasons: (Choice & { value: NotIllegalReason })[];
} = {
  categories: [
    { value: 'national', label: 'National: illegal under Belgian law' },
    { value: 'baseline', label: 'Baseline: illegal everywhere (INTERPOL criteria)' },
  ],
  ageGroups: [
    { value: 'infant', label: 'Infant' },
    { value: 'prepubescent', label: 'Prepubescent' },
    { value: 'pubescent', label: 'Pubescent' },
    { value: 'unknown', label: 'Not determined' },
  ],
  genders: [
    { value: '', label: 'Not determined' },
    { value: 'female', label: 'Female' },
    { value: 'male', label: 'Male' },
    { value: 'both', label: 'Both' },
  ],
  reasons: [
    { value: 'adult', label: 'The people shown are adults (adult pornography)' },
    { value: 'age_over_threshold', label: 'Over the age threshold of Belgian law' },
    { value: 'below_threshold', label: 'Does not meet the threshold for illegality in Belgium' },
    { value: 'virtual', label: 'Virtual material' },
    { value: 'not_found', label: 'Not found: gone before it could be assessed (ICCAM is told Unavailable)' },
    { value: 'other', label: 'Another reason (say which in the note)' },
  ],
};
