// The page's entry: loads the charting library first and the page after it, as two module
// evaluations in two tasks, so neither holds the main thread for long while the page starts.
await import('@observablehq/plot');
await import('./main.js');
