console.log('genai-deploy local platform: the emulator and front land in their issues.');
