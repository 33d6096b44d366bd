// Mirrors the backend's rule (1..200 characters after trimming) so the form can refuse early and say why.
export const TITLE_MAX_LENGTH = 200;
