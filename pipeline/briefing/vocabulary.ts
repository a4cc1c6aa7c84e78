/** The briefing's languages. */
export const languages = ['nn', 'nb', 'en'] as const;

/** SSB's symbols: `.` not applicable (category not in use), `..` missing or too uncertain, `:` confidential, `-` nil, `*` provisional. */
export const statusSymbols = ['.', '..', ':', '-', '*'] as const;
