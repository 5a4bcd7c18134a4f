// Hygiene
