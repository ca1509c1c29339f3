// Mapbox storytelling template: every documented option is set here once.
var config = {
    style: 'mapbox://styles/mapbox/streets-v12',
    accessToken: 'pk.not-a-real-token',
    showMarkers: true,
    markerColor: '#3FB1CE',
    inset: true,
    insetOptions: {
        markerColor: 'orange'
    },
    insetPosition: 'bottom-right',
    theme: 'dark',
    use3dTerrain: true,
    auto: false,
    title: 'Bridges of the Bay',
    subtitle: 'How two crossings changed San Francisco',
    byline: 'By a Digital Storyteller',
    footer: 'Source: city archives. <br> Created using <a href="https://github.com/mapbox/storytelling" target="_blank">Mapbox Storytelling</a> template.',
    chapters: [
        {
            id: 'golden-gate',
            alignment: 'left',
            hidden: false,
            title: 'The Golden Gate',
            image: './bridge.png',
            description: '<p>Opened in <strong>1937</strong>, it spans the strait.</p>',
            location: {
                center: [-122.4783, 37.8199],
                zoom: 12.5,
                pitch: 60,
                bearing: -43.2
            },
            mapAnimation: 'flyTo',
            rotateAnimation: false,
            callback: '',
            onChapterEnter: [
                {
                    layer: 'bridges',
                    opacity: 1,
                    duration: 5000
                }
            ],
            onChapterExit: [
                {
                    layer: 'bridges',
                    opacity: 0
                }
            ]
        },
        {
            id: 'bay-bridge',
            alignment: 'right',
            hidden: false,
            title: 'The Bay Bridge',
            image: 'https://images.example.org/bay-bridge.jpg',
            description: 'Copy these sections to add to your story.',
            location: {
                center: [-122.3778, 37.7983],
                zoom: 22,
                pitch: 0,
                bearing: 0
            },
            mapAnimation: 'jumpTo',
            rotateAnimation: true,
            callback: 'highlightSpan',
            onChapterEnter: [],
            onChapterExit: []
        },
        {
            id: 'aside',
            alignment: 'fully',
            hidden: true,
            title: 'Behind the scenes',
            image: '',
            description: 'A hidden chapter moves the map without text.',
            location: {
                center: [-122.4194, 37.7749],
                zoom: 0,
                pitch: 0,
                bearing: 0
            },
            mapAnimation: 'easeTo',
            rotateAnimation: false,
            callback: '',
            onChapterEnter: [],
            onChapterExit: []
        }
    ]
};
