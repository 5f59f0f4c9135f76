console.log('ltsp-agent: under construction');
