const m = await import('./eval/abusive-language.ts'); await m.run();
