"""WTForms built from questionnaire content, and the fixed respondent forms."""
