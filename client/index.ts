// Placeholder until the elements land (issue 4): the bundle registers both elements.
export {};
